"""PostgreSQL's durability settings, checked when a store opens: an acknowledged write must be on disk.

With `fsync=off` the server never forces its WAL to disk (a crash can corrupt the whole cluster);
with `synchronous_commit=off` a commit returns before its WAL record is flushed (a crash loses the
last commits, which the client was told had succeeded). Either breaks the promise the platform
makes for SQLite (`synchronous=FULL`), so a store refuses to open: the worker never becomes ready
and the supervisor reports why. A throwaway database may opt out with
`GANGER_ALLOW_UNSAFE_POSTGRES=1`, which turns the refusal into an error-level log line at every start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from sqlalchemy import Engine

from ..logs import event
from ._location import DataConfigError

OPT_OUT = "GANGER_ALLOW_UNSAFE_POSTGRES"
_SAFE_COMMIT = ("on", "remote_apply", "remote_write", "local")
log = logging.getLogger("ganger.data")


def problems(settings: Mapping[str, str]) -> list[str]:
    """What is unsafe in these `SHOW` answers (empty: all is well)."""
    found = []
    if settings.get("fsync", "").lower() != "on":
        found.append(f"fsync is {settings.get('fsync')!r} (must be on: without it a crash can corrupt the database)")
    if settings.get("synchronous_commit", "").lower() not in _SAFE_COMMIT:
        found.append(f"synchronous_commit is {settings.get('synchronous_commit')!r} (must be on: otherwise a crash "
                     "loses commits that were already acknowledged)")
    return found


def check_postgres(engine: Engine, store: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """Raise DataConfigError if the server (or this role's settings) would lose acknowledged writes."""
    with engine.connect() as connection:
        settings = {name: str(connection.exec_driver_sql(f"SHOW {name}").scalar())
                    for name in ("fsync", "synchronous_commit")}
    found = problems(settings)
    if not found:
        return []
    env = os.environ if environ is None else environ
    if env.get(OPT_OUT) == "1":
        event(log, logging.ERROR, "unsafe postgresql durability allowed", store=store, problems=found, opt_out=OPT_OUT)
        return found
    raise DataConfigError(f"store {store!r}: PostgreSQL would lose acknowledged writes: {'; '.join(found)}. "
                          f"Fix the server or role (ALTER ROLE … SET synchronous_commit = on), or set {OPT_OUT}=1 "
                          "for a throwaway database")
