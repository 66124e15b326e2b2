"""The handouts store: owned by this app, migrated from migrations/ when the worker starts.

The patient worker (ganger-handouts-patient) uses the same store read-mostly; see tables.py.
"""

from pathlib import Path

from ganger.sdk import Store

store = Store("handouts", migrations=Path(__file__).parent / "migrations")
