"""The data layer: each app's own store (SQLite by default, PostgreSQL when DATABASE_URL is set).

Apps reach it through `ganger.sdk`, so SQLAlchemy is part of every worker's shared base (it could
never fit one worker's 500 KB bundle); Alembic is imported only while migrating. docs/data.md
explains the choices.
"""

from . import _backup as backup
from . import _idempotency as idempotency
from ._location import DataConfigError, Location, locate
from ._migrate import run_environment
from ._store import Store

__all__ = [
    "DataConfigError",
    "Location",
    "Store",
    "backup",
    "idempotency",
    "locate",
    "run_environment",
]
