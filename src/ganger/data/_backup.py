"""Backups of every SQLite store, taken while the platform runs, and their restore while it does not.

A copy is made with SQLite's online backup API (`sqlite3.Connection.backup`) in one step: it reads
one consistent snapshot under a read transaction, which in WAL mode never blocks the workers'
writes, so a backup can run at any time and holds exactly the transactions committed before it.
Each copy is switched to a self-contained rollback-journal file, checked with
`PRAGMA integrity_check`, and described in `manifest.json` (size, SHA-256, rows per table, the
check's answer).

A restore first verifies every copy (hash and integrity) and refuses while the platform runs (its
control socket answers): workers hold the files open, and a file replaced under them would be
overwritten by their next checkpoint. The files it replaces are kept beside the restored ones.

On PostgreSQL the database server owns durability and consistent dumps: `pg_dump` is the tool.
With it on PATH, `back_up_postgres`/`restore_postgres` run it (and `pg_restore`) for the stores'
schemas; without it, `postgres_dump_command` and `postgres_restore_command` say what to run. The
URL is never repeated (it may hold a password).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import GangerError

MANIFEST = "manifest.json"
_FORMAT = 1


class BackupError(GangerError):
    """A backup or restore that cannot be done (said before anything is changed)."""


@dataclass(frozen=True, slots=True)
class StoreCopy:
    store: str
    file: str
    bytes: int
    sha256: str
    integrity: str
    rows: dict[str, int]


@dataclass(frozen=True, slots=True)
class Backup:
    folder: Path
    created: str
    stores: list[StoreCopy]

    @property
    def ok(self) -> bool:
        return all(copy.integrity == "ok" for copy in self.stores)


def uses_postgres(environ: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if environ is None else environ).get("DATABASE_URL", "").strip())


def postgres_dump_command(folder: Path, now: datetime | None = None) -> str:
    """pg_dump of the whole database (every store's schema) into a timestamped file in `folder`;
    the URL stays in the environment, never printed."""
    dump = folder / f"ganger-{(now or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}.dump"
    return f'mkdir -p "{folder}" && pg_dump --format=custom --no-owner --file="{dump}" "$DATABASE_URL"'


def postgres_restore_command(dump: Path) -> str:
    return f'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" "{dump}"'


@dataclass(frozen=True, slots=True)
class PostgresDump:
    folder: Path
    created: str
    file: str
    bytes: int
    sha256: str
    schemas: list[str]


def back_up_postgres(url: str, destination: Path, *, now: datetime | None = None) -> PostgresDump:
    """`pg_dump` of every store's schema (those holding an `alembic_version`) into a new timestamped
    folder, checked by `pg_restore --list`. The password goes to pg_dump in its environment, never
    on a command line another user could read."""
    schemas = _store_schemas(url)
    if not schemas:
        raise BackupError("no store schemas in the PostgreSQL database (nothing has been migrated yet)")
    moment = now or datetime.now(UTC)
    folder = _new_folder(destination, moment.strftime("%Y%m%dT%H%M%SZ"))
    dump = folder / "ganger.dump"
    _run_pg(["pg_dump", "--format=custom", "--no-owner", *[f"--schema={s}" for s in schemas], f"--file={dump}"], url)
    _run_pg(["pg_restore", "--list", str(dump)], url)
    made = PostgresDump(folder, moment.isoformat(timespec="seconds").replace("+00:00", "Z"), dump.name,
                        dump.stat().st_size, _sha256(dump), schemas)
    _write_durably(folder / MANIFEST, json.dumps(
        {"format": _FORMAT, "kind": "postgresql", "created": made.created, "file": made.file, "bytes": made.bytes,
         "sha256": made.sha256, "schemas": schemas}, indent=2).encode())
    _fsync_dir(folder)
    return made


def restore_postgres(folder: Path, url: str, control_socket: Path) -> PostgresDump:
    """`pg_restore` of a verified dump in one transaction, replacing the stores' schemas."""
    if platform_running(control_socket):
        raise BackupError("the platform is running (its control socket answers): stop it, then restore")
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup (no readable {MANIFEST})") from exc
    if document.get("kind") != "postgresql":
        raise BackupError(f"{folder} is a SQLite backup; unset DATABASE_URL to restore it")
    dump = folder / str(document["file"])
    if not dump.is_file() or _sha256(dump) != document["sha256"]:
        raise BackupError(f"{dump} is missing or differs from the manifest; not restoring")
    _run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
             str(dump)], url, database=True)
    return PostgresDump(folder, str(document["created"]), dump.name, int(document["bytes"]), str(document["sha256"]),
                        list(document["schemas"]))


def _store_schemas(url: str) -> list[str]:
    from sqlalchemy import create_engine

    engine = create_engine(_psycopg(url))
    try:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version' "
                "AND table_schema NOT IN ('public', 'information_schema') ORDER BY 1").scalars())
    finally:
        engine.dispose()


def _run_pg(command: list[str], url: str, *, database: bool = False) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(_psycopg(url))
    env = dict(os.environ)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                        ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database),
                        ("PGSSLMODE", parsed.query.get("sslmode"))):
        if value is not None:
            env[name] = str(value)
    if database:
        command = [*command[:-1], f"--dbname={parsed.database}", command[-1]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed (exit {result.returncode}): {last}")


def _psycopg(url: str) -> str:
    return "postgresql+psycopg" + url[url.index("://"):]


def back_up(data_dir: Path, destination: Path | None = None, *, now: datetime | None = None) -> Backup:
    """Copy every store under `data_dir/db/` into a new timestamped folder under `destination`
    (default `data_dir/backups/`) and write its manifest."""
    stores = sorted((data_dir / "db").glob("*.sqlite3"))
    if not stores:
        raise BackupError(f"no SQLite stores under {data_dir / 'db'} (is GANGER_DATA_DIR right?)")
    moment = now or datetime.now(UTC)
    folder = _new_folder(destination or data_dir / "backups", moment.strftime("%Y%m%dT%H%M%SZ"))
    copies = [_copy(path, folder) for path in stores]
    backup = Backup(folder, moment.isoformat(timespec="seconds").replace("+00:00", "Z"), copies)
    _write_durably(folder / MANIFEST, json.dumps(
        {"format": _FORMAT, "created": backup.created, "source": str(data_dir.resolve()),
         "stores": [_as_dict(c) for c in copies]}, indent=2).encode())
    _fsync_dir(folder)
    return backup


def read_backup(folder: Path) -> Backup:
    """The backup's manifest, with every copy verified (hash and integrity) before it is trusted."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup (no readable {MANIFEST})") from exc
    if document.get("format") != _FORMAT:
        raise BackupError(f"{folder / MANIFEST}: unknown format {document.get('format')!r}")
    if document.get("kind") == "postgresql":
        raise BackupError(f"{folder} is a PostgreSQL backup; set DATABASE_URL to restore it")
    copies = [StoreCopy(**entry) for entry in document["stores"]]
    for copy in copies:
        path = folder / copy.file
        if not path.is_file() or _sha256(path) != copy.sha256:
            raise BackupError(f"{path} is missing or differs from the manifest; not restoring")
        if _integrity(path) != "ok":
            raise BackupError(f"{path} fails PRAGMA integrity_check; not restoring")
    return Backup(folder, str(document["created"]), copies)


def restore(folder: Path, data_dir: Path, control_socket: Path) -> tuple[Backup, Path | None]:
    """Put a verified backup's stores in place; (the backup, where the replaced files were kept)."""
    if platform_running(control_socket):
        raise BackupError("the platform is running (its control socket answers): stop it, then restore")
    backup = read_backup(folder)
    db = data_dir / "db"
    db.mkdir(parents=True, exist_ok=True)
    kept: Path | None = None
    for copy in backup.stores:
        target = db / copy.file
        existing = [p for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal"))
                    if p.exists()]
        if existing:
            kept = kept or _new_folder(db / "replaced", datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
            for path in existing:  # a stale -wal beside the restored file would be replayed into it
                os.replace(path, kept / path.name)
        temporary = db / f".{copy.file}.restoring"
        shutil.copyfile(folder / copy.file, temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    _fsync_dir(db)
    return backup, kept


def platform_running(control_socket: Path) -> bool:
    """True when something answers on the control socket (a stale socket file does not count)."""
    if not control_socket.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(control_socket))
        except OSError:
            return False
    return True


def _copy(source: Path, folder: Path) -> StoreCopy:
    target = folder / source.name
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as live, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # one step: a single consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        tables = [r[0] for r in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        rows = {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())
    return StoreCopy(source.name.removesuffix(".sqlite3"), source.name, target.stat().st_size, _sha256(target),
                     _integrity(target), rows)


def _integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        answers = [r[0] for r in connection.execute("PRAGMA integrity_check")]
    return "ok" if answers == ["ok"] else "; ".join(answers[:5])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _new_folder(parent: Path, stamp: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(100):
        folder = parent / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise BackupError(f"could not make a new folder under {parent}")


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _as_dict(copy: StoreCopy) -> dict[str, object]:
    return {"store": copy.store, "file": copy.file, "bytes": copy.bytes, "sha256": copy.sha256,
            "integrity": copy.integrity, "rows": copy.rows}
