from tests.data.fixtures import database, postgres_database, postgres_url  # noqa: F401 (fixtures)
