"""Where a store's data lives: a SQLite file under the data dir, or a schema in PostgreSQL."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ..errors import GangerError

_STORE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_POSTGRES_SCHEMES = ("postgres", "postgresql")


class DataConfigError(GangerError):
    """DATABASE_URL or a store name cannot be used (said at start, never at the first request)."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where one store lives. `schema` is set on PostgreSQL only (one schema per store)."""

    url: URL
    schema: str | None
    lock_path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"


def locate(store: str, data_dir: Path, environ: Mapping[str, str] | None = None) -> Location:
    """SQLite at `<data_dir>/db/<store>.sqlite3` unless DATABASE_URL names a PostgreSQL database."""
    if not _STORE_NAME.match(store):
        raise DataConfigError(f"store name {store!r} must be lowercase letters, digits and '_' (max 41)")
    env = os.environ if environ is None else environ
    configured = env.get("DATABASE_URL", "").strip()
    if not configured:
        folder = data_dir / "db"
        return Location(URL.create("sqlite", database=str(folder / f"{store}.sqlite3")), None, folder / f"{store}.lock")
    try:
        url = make_url(configured)
    except Exception as exc:  # sqlalchemy raises ArgumentError; never echo the URL, it may hold a password
        raise DataConfigError("DATABASE_URL is not a database URL") from exc
    scheme = url.drivername.partition("+")[0]
    if scheme not in _POSTGRES_SCHEMES:
        raise DataConfigError(f"DATABASE_URL must be a PostgreSQL URL (got scheme {scheme!r})")
    return Location(url.set(drivername="postgresql+psycopg"), store, None)
