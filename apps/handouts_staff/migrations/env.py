from ganger.sdk import run_migrations

run_migrations()
