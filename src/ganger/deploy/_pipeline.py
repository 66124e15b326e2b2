"""Deploying: one worker, a rollback, and the ordered pipeline (`--all`) with its rollback to the last
verified set. The library reports progress through a callback and never prints; the CLI renders.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec

from ..control import PlatformState
from ..manifest import Manifest
from ..settings import Settings
from ._health import HealthReport, check_platform
from ._releases import (ROUTER, HistoryEntry, Release, ReleaseError, create_release, deployer, list_releases,
                        load_release, previous_version, record, releases_dir)
from ._runtime import preflight, running_state, switch

DEFAULT_PARALLEL = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """One step of a deploy, as it happens: what the CLI turns into a bar or a line."""

    stage: str  # "deploy", "rollback", "patient", "staff", "router", "health", "restore"
    worker: str
    status: str  # "started", "done", "unchanged", "failed"
    detail: str = ""
    at: float = field(default_factory=time.time)


Notify = Callable[[Progress], None]


def _ignore(_: Progress) -> None:
    return None


@dataclass
class WorkerResult:
    worker: str
    ok: bool
    version: str
    previous: str
    changed: bool = True
    error: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineResult:
    ok: bool
    results: list[WorkerResult]
    order: list[tuple[str, str]]  # (stage, worker) in the order the deploys started
    failed_stage: str | None = None
    error: str = ""
    health: HealthReport | None = None
    restored: list[WorkerResult] = field(default_factory=list)


class VerifiedSet(msgspec.Struct):
    """The worker versions last seen healthy together: what a failed pipeline goes back to."""

    at: float
    by: str
    versions: dict[str, str]


def _running_versions(state: PlatformState) -> dict[str, str]:
    versions = {name: w.version for name, w in state.workers.items() if w.version not in ("external", "unknown")}
    if state.router_version:
        versions[ROUTER] = state.router_version
    return versions


def load_verified(settings: Settings) -> VerifiedSet | None:
    path = releases_dir(settings.data_dir) / "verified.json"
    try:
        return msgspec.json.decode(path.read_bytes(), type=VerifiedSet)
    except (FileNotFoundError, msgspec.DecodeError):
        return None


def _save_verified(settings: Settings, verified: VerifiedSet) -> None:
    path = releases_dir(settings.data_dir) / "verified.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_bytes(msgspec.json.encode(verified))
    staging.replace(path)


async def deploy_worker(manifest: Manifest, settings: Settings, worker: str, *, by: str | None = None,
                        notify: Notify = _ignore, stage: str = "deploy", release: Release | None = None,
                        action: str = "deploy", canary: int | None = None, canary_seconds: float | None = None,
                        force: bool = False) -> WorkerResult:
    """Release the worker's code as it is now (or `release`) and switch the running platform to it."""
    notify(Progress(stage, worker, "started"))
    who = deployer(by)
    try:
        if release is None:
            release = await asyncio.to_thread(create_release, manifest, settings.data_dir, worker, who)
    except (ReleaseError, OSError) as exc:
        notify(Progress(stage, worker, "failed", str(exc)))
        return WorkerResult(worker, False, "", "", error=str(exc))
    state = await running_state(settings)
    running = _running_versions(state).get(worker, "")
    if release.version == running and not force:
        notify(Progress(stage, worker, "unchanged", f"already running {running}"))
        return WorkerResult(worker, True, running, running, changed=False)
    problem = await preflight(settings, release)
    if problem is None:
        reply = await switch(settings, release, canary=canary, canary_seconds=canary_seconds)
        problem = None if reply.get("ok") else str(reply.get("error") or "refused")
    else:
        reply = {}
    ok = problem is None and bool(reply.get("promoted", True))
    record(settings.data_dir, HistoryEntry(at=time.time(), worker=worker, action="canary" if canary else action,
                                           version=release.version,
                                           previous=running, by=who, ok=ok,
                                           error=problem or str(reply.get("decision", "")) if not ok else ""))
    result = WorkerResult(worker, ok, release.version if ok else running, running, error=problem or "",
                          figures={k: v for k, v in reply.items() if k not in ("ok", "worker", "error")})
    if problem is not None:
        notify(Progress(stage, worker, "failed", problem))
    elif not ok:
        result.error = str(reply.get("decision", "rolled back"))
        notify(Progress(stage, worker, "failed", result.error))
    else:
        notify(Progress(stage, worker, "done", f"{running} → {release.version}"))
    return result


def find_version(settings: Settings, worker: str, wanted: str) -> Release:
    """A release by full version or unambiguous prefix."""
    matches = [r for r in list_releases(settings.data_dir, worker) if r.version.startswith(wanted)]
    if len(matches) != 1:
        raise ReleaseError(f"{worker}: {'no' if not matches else 'more than one'} release matches {wanted!r}")
    return matches[0]


async def rollback_worker(manifest: Manifest, settings: Settings, worker: str, *, to: str | None = None,
                          by: str | None = None, notify: Notify = _ignore, stage: str = "rollback") -> WorkerResult:
    """Switch back to the version that ran before (or `to`), through the same zero-downtime path."""
    state = await running_state(settings)
    running = _running_versions(state).get(worker, "")
    try:
        if to:
            release = find_version(settings, worker, to)
        else:
            wanted = previous_version(settings.data_dir, worker, running)
            if wanted is None:
                raise ReleaseError(f"{worker}: no earlier release than {running or 'the running one'}")
            release = load_release(settings.data_dir, worker, wanted)
    except ReleaseError as exc:
        notify(Progress(stage, worker, "failed", str(exc)))
        return WorkerResult(worker, False, running, running, changed=False, error=str(exc))
    return await deploy_worker(manifest, settings, worker, by=by, notify=notify, stage=stage, release=release,
                               action="rollback")


async def _bounded(semaphore: asyncio.Semaphore, job: Awaitable[T]) -> T:
    async with semaphore:
        return await job


def stages(manifest: Manifest) -> list[tuple[str, list[str]]]:
    """The seed's order: patient workers, then staff workers, then the router.

    The sign-in service is platform code (`ganger.auth`), not an app package: it is not released here."""
    deployable = [w for w in manifest.workers if not w.upstream]
    return [
        ("patient", [w.name for w in deployable if not w.is_staff]),
        ("staff", [w.name for w in deployable if w.is_staff]),
        ("router", [ROUTER]),
    ]


async def deploy_all(manifest: Manifest, settings: Settings, *, by: str | None = None, parallel: int = DEFAULT_PARALLEL,
                     notify: Notify = _ignore, health_host: str | None = None) -> PipelineResult:
    """Every stage in order, each worker of a stage in parallel (bounded); then platform health.

    The first failed stage stops the pipeline, and every worker is put back on the last verified set
    (or on what ran before this pipeline, if nothing was verified yet). Success makes this set the
    verified one."""
    who = deployer(by)
    before = _running_versions(await running_state(settings))
    verified = load_verified(settings)
    fallback = dict(before) if verified is None else {**before, **verified.versions}
    order: list[tuple[str, str]] = []

    def tracked(event: Progress) -> None:
        if event.status == "started" and event.stage in ("patient", "staff", "router"):
            order.append((event.stage, event.worker))
        notify(event)

    semaphore = asyncio.Semaphore(max(1, parallel))
    results: list[WorkerResult] = []
    failed_stage, error, report = None, "", None
    for stage, names in stages(manifest):
        done = await asyncio.gather(*(_bounded(semaphore, deploy_worker(manifest, settings, name, by=who,
                                                                        notify=tracked, stage=stage))
                                      for name in names))
        results += done
        failures = [r for r in done if not r.ok]
        if failures:
            failed_stage = stage
            error = "; ".join(f"{r.worker}: {r.error}" for r in failures)
            break
    if failed_stage is None:
        notify(Progress("health", "platform", "started"))
        report = await check_platform(manifest, health_host or _local(settings.host), settings.port)
        if report.ok:
            notify(Progress("health", "platform", "done", f"{len(report.checks)} checks passed"))
        else:
            failed_stage = "health"
            error = "; ".join(f"{c.worker} {c.name}: {c.got}" for c in report.failed)
            notify(Progress("health", "platform", "failed", error))
    restored: list[WorkerResult] = []
    if failed_stage is None:
        _save_verified(settings, VerifiedSet(at=time.time(), by=who,
                                             versions=_running_versions(await running_state(settings))))
    else:
        restored = await restore(manifest, settings, fallback, by=who, notify=notify, parallel=parallel)
    outcome = PipelineResult(failed_stage is None, results, order, failed_stage, error, report, restored)
    _record_run(settings, who, outcome)
    return outcome


async def restore(manifest: Manifest, settings: Settings, versions: dict[str, str], *, by: str | None = None,
                  notify: Notify = _ignore, parallel: int = DEFAULT_PARALLEL) -> list[WorkerResult]:
    """Put every worker whose running version differs back on `versions` (workers first, router last)."""
    running = _running_versions(await running_state(settings))
    semaphore = asyncio.Semaphore(max(1, parallel))
    changed = [name for name, version in versions.items() if running.get(name) not in (None, version)]
    workers = [n for n in changed if n != ROUTER]

    async def back(name: str) -> WorkerResult:
        try:
            release = load_release(settings.data_dir, name, versions[name])
        except ReleaseError as exc:
            notify(Progress("restore", name, "failed", str(exc)))
            return WorkerResult(name, False, running[name], running[name], error=str(exc))
        return await deploy_worker(manifest, settings, name, by=by, notify=notify, stage="restore",
                                   release=release, action="rollback")

    results = list(await asyncio.gather(*(_bounded(semaphore, back(n)) for n in workers)))
    if ROUTER in changed:
        results.append(await back(ROUTER))
    return results


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)


def _record_run(settings: Settings, by: str, outcome: PipelineResult) -> None:
    path = releases_dir(settings.data_dir) / "pipeline.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = msgspec.json.encode({
        "at": time.time(), "by": by, "ok": outcome.ok, "failed_stage": outcome.failed_stage, "error": outcome.error,
        "order": [list(step) for step in outcome.order],
        "versions": {r.worker: r.version for r in outcome.results},
        "restored": {r.worker: r.version for r in outcome.restored},
    })
    with path.open("ab") as stream:
        stream.write(line + b"\n")
