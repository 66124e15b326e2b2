"""Checks of what the platform depends on, for the status page: database, sign-in provider, disk.

Each check answers with plain values and never with a secret: the database URL, the OIDC
client secret and the platform key stay out of what a page can show.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import msgspec
from sqlalchemy import text

from ..data import Store
from ..manifest import Manifest

PROBE_STORE = "platform"  # the default database every app's store lives beside


class DatabaseCheck(msgspec.Struct, frozen=True):
    backend: str  # "sqlite" or "postgresql"
    reachable: bool
    latency_ms: float | None = None
    error: str | None = None  # the error's type only; its message may hold a host or user name


class SignInSettings(msgspec.Struct, frozen=True):
    mode: str
    issuer: str
    client_id_set: bool
    client_secret_set: bool
    allowed_domains: list[str]


class DiskUsage(msgspec.Struct, frozen=True):
    total_bytes: int
    used_bytes: int
    free_bytes: int

    @property
    def used_fraction(self) -> float:
        return self.used_bytes / self.total_bytes if self.total_bytes else 0.0


def check_databases(data_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, DatabaseCheck]:
    """The default database, and on SQLite each app's own file too: store name → check.

    Blocking: call it on a thread.
    """
    names = [PROBE_STORE]
    if not (environ if environ is not None else os.environ).get("DATABASE_URL"):
        names += sorted(p.name.removesuffix(".sqlite3") for p in (data_dir / "db").glob("*.sqlite3")
                        if p.name != f"{PROBE_STORE}.sqlite3")
    return {name: check_database(data_dir, environ, name) for name in names}


def check_database(data_dir: Path, environ: Mapping[str, str] | None = None, name: str = PROBE_STORE) -> DatabaseCheck:
    """Open one store's database (DATABASE_URL, else its SQLite file) and time `SELECT 1`."""
    store = Store(name)
    backend = "postgresql" if (environ if environ is not None else os.environ).get("DATABASE_URL") else "sqlite"
    try:
        store.open(data_dir, environ)
        started = time.perf_counter()
        with store.read() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
        latency = (time.perf_counter() - started) * 1000
    except Exception as exc:  # any driver error means "not reachable"; say which kind
        return DatabaseCheck(backend=backend, reachable=False, error=type(exc).__name__)
    finally:
        store.close()
    return DatabaseCheck(backend=backend, reachable=True, latency_ms=round(latency, 2))


def sign_in_settings(manifest: Manifest, environ: Mapping[str, str] | None = None) -> SignInSettings:
    """What sign-in is configured to use, read the way ganger-auth reads it (environment over manifest)."""
    env = os.environ if environ is None else environ
    return SignInSettings(
        mode=env.get("GANGER_AUTH", manifest.auth.mode),
        issuer=env.get("GANGER_OIDC_ISSUER", manifest.auth.issuer).rstrip("/"),
        client_id_set=bool(env.get("GANGER_OIDC_CLIENT_ID")),
        client_secret_set=bool(env.get("GANGER_OIDC_CLIENT_SECRET")),
        allowed_domains=list(manifest.auth.allowed_domains),
    )


def disk_usage(data_dir: Path) -> DiskUsage:
    usage = shutil.disk_usage(data_dir if data_dir.exists() else data_dir.parent)
    return DiskUsage(total_bytes=usage.total, used_bytes=usage.used, free_bytes=usage.free)
