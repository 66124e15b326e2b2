"""The inventory store: owned by this app, migrated from migrations/ when the worker starts."""

from pathlib import Path

from ganger.sdk import Store

store = Store("inventory", migrations=Path(__file__).parent / "migrations")
