from tests.data.fixtures import postgres_database  # noqa: F401 (fixture)
