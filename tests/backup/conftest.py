from tests.data.fixtures import postgres_database, postgres_url  # noqa: F401 (fixture)
