from tests.data.fixtures import database, postgres_database  # noqa: F401 (fixtures)
