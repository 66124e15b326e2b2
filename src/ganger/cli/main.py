"""`ganger up | check | state | bundles | deploy | rollback | releases | health` — the engineer's handle on the platform."""

from __future__ import annotations

import argparse
import json
import asyncio
import signal
import sys
from pathlib import Path

import uvloop

from ..auth.config import auth_config
from ..control import fetch_state
from ..errors import GangerError
from ..logs import configure
from ..manifest import Manifest, load_manifest
from ..runtime import Supervisor
from ..settings import Settings, from_environment
from . import deploy as deploy_commands


def _urls(manifest: Manifest, settings: Settings) -> list[str]:
    port = "" if settings.port == 80 else f":{settings.port}"
    lines = [f"  staff portal      http://localhost{port}/"]
    for worker in manifest.patient_workers:
        lines.append(f"  {worker.name:<24} http://{worker.host}.localhost{port}/")
    lines.append(f"  health            http://localhost{port}/health")
    return lines


async def _up(manifest: Manifest, settings: Settings) -> int:
    environment = settings.environment or manifest.platform.environment
    try:
        auth = auth_config(manifest, environment, settings.data_dir)
    except GangerError as exc:
        print(f"ganger: {exc}", file=sys.stderr)
        return 2
    supervisor = Supervisor(manifest, settings, environment)
    loop = asyncio.get_running_loop()
    for signame in ("SIGINT", "SIGTERM"):
        loop.add_signal_handler(getattr(signal, signame), supervisor.request_stop)
    print(f"Starting the Ganger platform: {len(manifest.workers)} workers, router on {settings.host}:{settings.port}, "
          f"{auth.mode} sign-in, environment {environment}", flush=True)
    try:
        await supervisor.start()
    except GangerError as exc:
        print(f"ganger: {exc}", file=sys.stderr)
        return 1
    state = supervisor.snapshot()
    not_ready = [name for name, w in state.workers.items() if w.phase not in ("ready", "external", "idle")]
    print("\n".join(_urls(manifest, settings)), flush=True)
    if not_ready:
        print(f"Platform up, but not ready: {', '.join(not_ready)} (restarting with backoff)", flush=True)
    else:
        print(f"Platform ready: {len(manifest.workers)} workers, sign-in and the router are serving. Ctrl-C stops.",
              flush=True)
    await supervisor.wait_stopped()
    print("Stopping: router first, then workers…", flush=True)
    await supervisor.stop()
    print("Stopped.", flush=True)
    return 0


async def _state(settings: Settings) -> int:
    state = await fetch_state(settings.control_socket)
    for name, worker in state.workers.items():
        pids = ",".join(str(r.pid) for r in worker.replicas)
        print(f"{name:<28} {worker.phase:<9} v{worker.version}  replicas={len(worker.replicas)} pids={pids} "
              f"restarts={worker.restarts}")
    return 0


def _bundles(manifest: Manifest, names: list[str], *, as_json: bool) -> int:
    """`ganger bundles`: rich and the analyser are imported here so `ganger up` never loads them."""
    import json

    from rich.console import Console

    from ..bundles import analyse, render

    try:
        report = analyse(manifest, names)
    except GangerError as exc:
        print(f"ganger bundles: {exc}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        Console(width=None if sys.stdout.isatty() else 160).print(render(report))
    for problem in report.problems:
        print(f"ganger bundles: {problem}", file=sys.stderr)
    return 0 if report.ok else 1


def _backup(settings: Settings, to: str | None) -> int:
    """`ganger backup`: SQLite stores copied with the online backup API; on PostgreSQL, pg_dump's command."""
    from ..data import backup

    if backup.uses_postgres():
        return _backup_postgres(Path(to) if to else settings.data_dir / "backups")
    try:
        made = backup.back_up(settings.data_dir, Path(to) if to else None)
    except GangerError as exc:
        print(f"ganger backup: {exc}", file=sys.stderr)
        return 1
    for copy in made.stores:
        print(f"  {copy.store:<14} {copy.bytes / 1024:9.1f} KB  {sum(copy.rows.values()):8d} rows  "
              f"integrity_check: {copy.integrity}")
    print(f"Backup in {made.folder} ({len(made.stores)} stores, manifest {backup.MANIFEST})")
    return 0 if made.ok else 1


def _backup_postgres(destination: Path) -> int:
    """pg_dump is the tool for PostgreSQL: run it when installed, else say how."""
    import os
    import shutil

    from ..data import backup

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        print("ganger backup: the stores are in PostgreSQL (DATABASE_URL), whose own tool takes consistent "
              f"backups. Run:\n  {backup.postgres_dump_command(destination)}", file=sys.stderr)
        return 1
    try:
        made = backup.back_up_postgres(os.environ["DATABASE_URL"], destination)
    except GangerError as exc:
        print(f"ganger backup: {exc}", file=sys.stderr)
        return 1
    print(f"pg_dump of schemas {', '.join(made.schemas)}: {made.bytes / 1024:.1f} KB, checked with pg_restore --list")
    print(f"Backup in {made.folder} (manifest {backup.MANIFEST})")
    return 0


def _restore_postgres(settings: Settings, folder: Path) -> int:
    import os
    import shutil

    from ..data import backup

    if shutil.which("pg_restore") is None:
        print("ganger restore: the stores are in PostgreSQL (DATABASE_URL). Run:\n  "
              f"{backup.postgres_restore_command(folder / 'ganger.dump')}", file=sys.stderr)
        return 1
    try:
        made = backup.restore_postgres(folder, os.environ["DATABASE_URL"], settings.control_socket)
    except GangerError as exc:
        print(f"ganger restore: {exc}", file=sys.stderr)
        return 1
    print(f"Restored schemas {', '.join(made.schemas)} from the backup of {made.created} with pg_restore")
    return 0


def _restore(settings: Settings, folder: str) -> int:
    """`ganger restore DIR`: only while the platform is stopped, and only a backup that verifies."""
    from ..data import backup

    if backup.uses_postgres():
        return _restore_postgres(settings, Path(folder))
    try:
        restored, kept = backup.restore(Path(folder), settings.data_dir, settings.control_socket)
    except GangerError as exc:
        print(f"ganger restore: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {', '.join(c.store for c in restored.stores)} from the backup of {restored.created} "
          f"into {settings.data_dir / 'db'}" + (f"; the replaced files are in {kept}" if kept else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ganger", description="Run and inspect the Ganger platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run the router and every worker in the foreground")
    commands.add_parser("check", help="validate the manifest and exit")
    commands.add_parser("state", help="show the running platform's workers and replicas")
    bundles = commands.add_parser("bundles", help="measure each worker's bundle against its budget")
    bundles.add_argument("workers", nargs="*", metavar="WORKER", help="only these workers ('router' for the router)")
    bundles.add_argument("--json", action="store_true", help="print the report as JSON")
    deploy_commands.add_commands(commands)
    kubernetes = commands.add_parser("k8s", help="print the platform as Kubernetes objects (JSON, for kubectl apply -f -)")
    kubernetes.add_argument("--image", required=True, help="the container image with this project installed")
    kubernetes.add_argument("--environment", default="production")
    backup = commands.add_parser("backup", help="copy every SQLite store (consistent, while running) with a manifest")
    backup.add_argument("--to", metavar="DIR", help="parent folder of the timestamped backup (default: var/backups)")
    restore = commands.add_parser("restore", help="put a backup's stores back (the platform must be stopped)")
    restore.add_argument("folder", metavar="DIR", help="a folder made by `ganger backup`")
    args = parser.parse_args(argv)
    configure()
    settings = from_environment()
    if args.command == "backup":
        return _backup(settings, args.to)
    if args.command == "restore":
        return _restore(settings, args.folder)
    try:
        manifest = load_manifest(settings.manifest_path)
    except GangerError as exc:
        print(f"ganger: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        print(f"{settings.manifest_path}: {len(manifest.workers)} workers, manifest valid")
        return 0
    if args.command == "bundles":
        return _bundles(manifest, args.workers, as_json=args.json)
    if args.command == "k8s":
        from ..kubernetes import render

        print(json.dumps(render(manifest, args.image, args.environment), indent=2))
        return 0
    if args.command in ("deploy", "rollback", "releases", "health"):
        return deploy_commands.run(args, manifest, settings)
    if args.command == "state":
        try:
            return uvloop.run(_state(settings))
        except OSError:
            print("ganger: the platform is not running (no control socket)", file=sys.stderr)
            return 1
    return uvloop.run(_up(manifest, settings))


if __name__ == "__main__":
    sys.exit(main())
