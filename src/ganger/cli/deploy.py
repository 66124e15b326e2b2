"""`ganger deploy | rollback | releases | health`: parse, call `ganger.deploy`, render.

Progress is a rich display in a terminal and plain lines elsewhere (CI logs stay readable)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

import uvloop

from ..deploy import (ROUTER, HealthReport, Progress, ReleaseError, WorkerResult, check_platform, deploy_all,
                      deploy_worker, history, list_releases, rollback_worker)
from ..manifest import Manifest
from ..settings import Settings

_MARK = {"started": "…", "done": "✓", "unchanged": "=", "failed": "✗"}


def add_commands(commands: Any) -> None:
    deploy = commands.add_parser("deploy", help="deploy workers to the running platform without downtime")
    deploy.add_argument("workers", nargs="*", metavar="WORKER", help="workers to deploy ('router' for the router)")
    deploy.add_argument("--all", action="store_true", help="the ordered pipeline: patient, staff, router, health")
    deploy.add_argument("--by", default=None, help="who deploys (default: $USER)")
    deploy.add_argument("--parallel", type=int, default=4, help="staff workers deployed at once (--all)")
    deploy.add_argument("--canary", type=int, default=None, metavar="PERCENT",
                        help="send this share of sessions to the new release first, then promote or roll back")
    deploy.add_argument("--canary-seconds", type=float, default=30.0, help="how long the canary is observed")
    deploy.add_argument("--force", action="store_true", help="deploy even if the version is already running")
    rollback = commands.add_parser("rollback", help="switch a worker back to its previous release")
    rollback.add_argument("worker", metavar="WORKER")
    rollback.add_argument("--to", default=None, metavar="VERSION", help="this release (full hash or prefix)")
    rollback.add_argument("--by", default=None)
    releases = commands.add_parser("releases", help="a worker's releases and deploy history")
    releases.add_argument("worker", metavar="WORKER")
    commands.add_parser("health", help="check every route the way users meet it; exit 0 only if all pass")


def run(args: argparse.Namespace, manifest: Manifest, settings: Settings) -> int:
    try:
        if args.command == "deploy":
            return uvloop.run(_deploy(args, manifest, settings))
        if args.command == "rollback":
            return uvloop.run(_rollback(args, manifest, settings))
        if args.command == "releases":
            return _releases(args.worker, settings)
        return uvloop.run(_health(manifest, settings))
    except (ConnectionError, FileNotFoundError) as exc:
        print(f"ganger: the platform is not running (no control socket): {exc}", file=sys.stderr)
        return 1


class _View:
    """Shows progress: a live rich table in a terminal, one plain line per event otherwise."""

    def __init__(self) -> None:
        self.live: Any = None
        self.rows: dict[tuple[str, str], Progress] = {}
        if sys.stdout.isatty():
            from rich.live import Live

            self.live = Live(self._table(), refresh_per_second=8, transient=False)

    def __enter__(self) -> _View:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(None, None, None)

    def __call__(self, event: Progress) -> None:
        self.rows[(event.stage, event.worker)] = event
        if self.live is not None:
            self.live.update(self._table())
        else:
            stamp = datetime.fromtimestamp(event.at).strftime("%H:%M:%S")
            detail = f"  {event.detail}" if event.detail else ""
            print(f"{stamp} [{event.stage}] {event.worker}: {event.status}{detail}", flush=True)

    def _table(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for column in ("stage", "worker", "", "detail"):
            table.add_column(column)
        for (stage, worker), event in self.rows.items():
            mark: Any = Spinner("dots") if event.status == "started" else _MARK.get(event.status, "?")
            style = {"failed": "red", "done": "green"}.get(event.status, "")
            table.add_row(stage, worker, mark, f"[{style}]{event.detail}[/]" if style else event.detail)
        return table


def _summary(result: WorkerResult) -> str:
    figures = result.figures
    timing = ""
    if "ready_ms" in figures:
        timing = f" (new replicas ready in {figures['ready_ms']} ms, old drained in {figures.get('drain_ms')} ms)"
    if not result.ok:
        return f"{result.worker}: NOT deployed, still running {result.previous or '?'}: {result.error}"
    if not result.changed:
        return f"{result.worker}: unchanged, running {result.version}"
    return f"{result.worker}: {result.previous} → {result.version}{timing}"


def _canary(result: WorkerResult) -> list[str]:
    canary = result.figures.get("canary")
    if not isinstance(canary, dict):
        return []
    lines = [f"{result.worker}: canary {canary.get('percent')}% for {canary.get('seconds')} s → "
             f"{result.figures.get('decision', '')}"]
    for generation in ("stable", "canary"):
        figures = canary.get(generation, {})
        lines.append(f"  {generation:<7} requests={figures.get('requests', 0)} errors={figures.get('errors', 0)} "
                     f"error_rate={figures.get('error_rate', 0):.2%} p95={figures.get('p95_ms', 0)} ms")
    return lines


async def _deploy(args: argparse.Namespace, manifest: Manifest, settings: Settings) -> int:
    if args.all == bool(args.workers):
        print("ganger deploy: name workers or give --all (not both)", file=sys.stderr)
        return 2
    with _View() as view:
        if args.all:
            outcome = await deploy_all(manifest, settings, by=args.by, parallel=args.parallel, notify=view)
            results = outcome.results
        else:
            results = []
            for name in args.workers:
                results.append(await deploy_worker(manifest, settings, name, by=args.by, notify=view,
                                                   canary=args.canary, canary_seconds=args.canary_seconds,
                                                   force=args.force))
    for result in results:
        print(_summary(result))
        for line in _canary(result):
            print(line)
    if args.all:
        if outcome.health is not None:
            _print_health(outcome.health, failures_only=True)
        if not outcome.ok:
            print(f"ganger deploy --all: stage {outcome.failed_stage} failed: {outcome.error}", file=sys.stderr)
            restored = ", ".join(f"{r.worker}→{r.version}{'' if r.ok else ' (FAILED)'}" for r in outcome.restored)
            print(f"rolled back to the last verified set: {restored or 'nothing had changed'}", file=sys.stderr)
            return 1
        print("Pipeline done: every stage deployed and the platform is healthy; this set is now the verified one.")
        return 0
    return 0 if all(r.ok for r in results) else 1


async def _rollback(args: argparse.Namespace, manifest: Manifest, settings: Settings) -> int:
    with _View() as view:
        result = await rollback_worker(manifest, settings, args.worker, to=args.to, by=args.by, notify=view)
    print(_summary(result))
    return 0 if result.ok else 1


def _releases(worker: str, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    try:
        found = list_releases(settings.data_dir, worker)
    except ReleaseError as exc:
        print(f"ganger releases: {exc}", file=sys.stderr)
        return 2
    table = Table(title=f"{worker}: releases", box=None)
    for column in ("version", "created", "by"):
        table.add_column(column)
    for release in found:
        table.add_row(release.version, datetime.fromtimestamp(release.created_at).isoformat(" ", "seconds"), release.by)
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    log = Table(title="history", box=None)
    for column in ("at", "action", "version", "previous", "by", "result"):
        log.add_column(column)
    for entry in history(settings.data_dir, worker):
        log.add_row(datetime.fromtimestamp(entry.at).isoformat(" ", "seconds"), entry.action, entry.version,
                    entry.previous, entry.by, "ok" if entry.ok else f"failed: {entry.error}")
    console.print(log)
    return 0 if found or worker == ROUTER else 1


def _print_health(report: HealthReport, *, failures_only: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    checks = report.failed if failures_only else report.checks
    if not checks:
        return
    table = Table(box=None)
    for column in ("worker", "check", "request", "expected", "got", "ms", ""):
        table.add_column(column)
    for check in checks:
        table.add_row(check.worker, check.name, check.target, check.expected, check.got, f"{check.ms:.0f}",
                      "[green]ok[/]" if check.ok else "[red]FAIL[/]")
    Console(width=None if sys.stdout.isatty() else 200).print(table)


async def _health(manifest: Manifest, settings: Settings) -> int:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    report = await check_platform(manifest, host, settings.port)
    _print_health(report)
    failed = len(report.failed)
    print(f"{len(report.checks) - failed}/{len(report.checks)} checks passed: "
          f"{'platform healthy' if report.ok else 'platform NOT healthy'}")
    return 0 if report.ok else 1
