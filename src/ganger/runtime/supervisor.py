"""The supervisor: the one parent of every replica process, and the source of the platform's state.

Lifecycle, in order: prepare the data dir → start the control socket → start every worker's
replicas and the router (in parallel) → report ready → watch and restart with backoff →
on stop: router first (stops accepting, drains), then the workers, then the control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import psutil

from ..control import PlatformState, WorkerState
from ..control.server import ControlServer
from ..monitoring import RouterDelta
from ..monitoring.aggregate import Aggregate
from ..monitoring.exposition import render
from ..monitoring.incidents import IncidentLog
from ..monitoring.workers import WorkerMetricsCache
from ..errors import RuntimeStartError
from ..identity import load_secret
from ..logs import event
from ..manifest import Manifest, Worker
from ..settings import Settings
from ..versioning import tree_version
from .process import ReplicaProcess, python_module_command

log = logging.getLogger("ganger.runtime")

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 10.0
STABLE_AFTER_SECONDS = 30.0
MEMORY_SAMPLE_SECONDS = 5.0
START_DURATIONS_KEPT = 1000


@dataclass
class Unit:
    """A worker (or the router) and its replicas."""

    name: str
    version: str
    worker: Worker | None
    replicas: list[ReplicaProcess] = field(default_factory=list)
    changed_at: float = field(default_factory=time.time)

    def phase(self) -> str:
        if self.worker is not None and self.worker.upstream:
            return "external"
        phases = [r.phase for r in self.replicas]
        if not phases:
            return "stopped"
        ready = phases.count("ready")
        if ready == len(phases):
            return "ready"
        if ready:
            return "degraded"
        if all(p == "stopped" for p in phases):
            return "stopped"
        if any(p == "starting" for p in phases):
            return "starting"
        return "down"

    def state(self) -> WorkerState:
        return WorkerState(
            name=self.name, phase=self.phase(), version=self.version,  # type: ignore[arg-type]
            replicas=[r.state() for r in self.replicas],
            restarts=sum(r.restarts for r in self.replicas), changed_at=self.changed_at,
        )


class Supervisor:
    def __init__(self, manifest: Manifest, settings: Settings, environment: str) -> None:
        self.manifest = manifest
        self.settings = settings
        self.environment = environment
        self.started_at = time.time()
        self.ready = False
        self.stopping = False
        self.aggregate = Aggregate()
        self.start_seconds: dict[str, deque[float]] = {}
        self.incidents = IncidentLog()
        self.worker_metrics = WorkerMetricsCache(self.snapshot, load_secret(settings.data_dir))
        self.control = ControlServer(settings.control_socket, self.snapshot, {
            "report": self._report,
            "metrics": lambda _: {"text": render(self.aggregate, self.snapshot(), self._start_lists()).decode()
                                  + self.worker_metrics.text},
            "history": lambda _: self.aggregate.history(),
            "incidents": lambda _: self.incidents.document(),
        })
        self.units: dict[str, Unit] = {}
        self.router = Unit(name="router", version=tree_version(_package_dir("ganger")), worker=None)
        self._watchers: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        base_env = dict(os.environ)
        base_env.update(
            GANGER_MANIFEST=str(manifest.path),
            GANGER_DATA_DIR=str(settings.data_dir),
            GANGER_HOST=settings.host,
            GANGER_PORT=str(settings.port),
            GANGER_ENVIRONMENT=environment,
            PYTHONUNBUFFERED="1",
        )
        self._env = base_env
        for worker in manifest.units:
            unit = Unit(name=worker.name, version=self._worker_version(worker), worker=worker)
            if not worker.upstream:
                for index in range(worker.replicas):
                    address = settings.replica_socket(worker.name, index)
                    command = python_module_command(
                        "ganger.runtime.replica", "--worker", worker.name, "--socket", str(address)
                    )
                    unit.replicas.append(ReplicaProcess(index, f"unix:{address}", command, base_env, self._changed(unit)))
            self.units[worker.name] = unit
        processes = settings.router_processes or manifest.router.processes
        for index in range(processes):
            command = python_module_command("ganger.router.server")
            self.router.replicas.append(
                ReplicaProcess(index, f"tcp:{settings.host}:{settings.port}", command, base_env, self._changed(self.router))
            )

    def _worker_version(self, worker: Worker) -> str:
        if worker.upstream:
            return "external"
        top = worker.module
        with contextlib.suppress(ImportError, ValueError, AttributeError):
            return tree_version(_package_dir(top, str(self.manifest.path.parent)))
        return "unknown"

    def _report(self, request: dict[str, Any]) -> None:
        """A router process's counters since its last report."""
        try:
            self.aggregate.add(msgspec.convert(request.get("delta"), RouterDelta, strict=False))
        except msgspec.ValidationError:
            event(log, logging.WARNING, "malformed metrics report")

    def _start_lists(self) -> dict[str, list[float]]:
        return {name: list(durations) for name, durations in self.start_seconds.items()}

    async def _sample_memory(self) -> None:
        """Every replica's resident memory, for /health, status, metrics and the dashboard."""
        while not self.stopping:
            for unit in self.units.values():
                largest = 0
                for replica in unit.replicas:
                    if replica.pid is None or replica.phase not in ("ready", "starting"):
                        continue
                    with contextlib.suppress(psutil.Error):
                        replica.rss_bytes = psutil.Process(replica.pid).memory_info().rss
                        largest = max(largest, replica.rss_bytes)
                if largest:
                    self.aggregate.memory_sample(unit.name, largest)
            self.control.publish()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), MEMORY_SAMPLE_SECONDS)

    def _changed(self, unit: Unit) -> Callable[[], None]:
        def changed() -> None:
            unit.changed_at = time.time()
            self.incidents.phase(unit.name, unit.phase())
            self.control.publish()
        return changed

    def snapshot(self) -> PlatformState:
        return PlatformState(
            started_at=self.started_at,
            environment=self.environment,
            workers={name: unit.state() for name, unit in self.units.items()},
            router=[r.state() for r in self.router.replicas],
            ready=self.ready,
        )

    # -- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Bring the whole platform up; raise RuntimeStartError if the router cannot start."""
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.settings.run_dir, 0o700)  # worker sockets: reachable by this user only
        for stale in self.settings.run_dir.glob("*.sock"):
            stale.unlink()
        await self.control.start()
        worker_replicas = [(u, r) for u in self.units.values() for r in u.replicas]
        started = await asyncio.gather(
            self._start_router(),
            *(self._start_replica(unit, replica) for unit, replica in worker_replicas),
        )
        if not started[0]:
            await self.stop()
            raise RuntimeStartError(
                f"the router could not listen on {self.settings.host}:{self.settings.port} (is the port in use?)"
            )
        for unit, replica in worker_replicas:
            self._watchers.append(asyncio.create_task(self._watch(unit, replica)))
        for replica in self.router.replicas:
            self._watchers.append(asyncio.create_task(self._watch(self.router, replica)))
        self._watchers.append(asyncio.create_task(self._sample_memory()))
        self._watchers.append(asyncio.create_task(self.worker_metrics.run(self._stop)))
        self.ready = True
        self.control.publish()
        failed = [u.name for u in self.units.values() if u.phase() not in ("ready", "external")]
        event(log, logging.INFO, "platform ready", workers=len(self.units), not_ready=failed)

    async def _start_router(self) -> bool:
        results = [await r.start(READY_TIMEOUT_SECONDS) for r in self.router.replicas]
        return all(results)

    async def _start_replica(self, unit: Unit, replica: ReplicaProcess) -> bool:
        ok = await replica.start(READY_TIMEOUT_SECONDS)
        if ok and replica.started_at and replica.ready_at:
            durations = self.start_seconds.setdefault(unit.name, deque(maxlen=START_DURATIONS_KEPT))
            durations.append(replica.ready_at - replica.started_at)
            self.aggregate.cold_start(unit.name)
        if not ok:
            self.incidents.record(unit.name, "start-failed", replica=replica.index, pid=replica.pid,
                                  exit_code=replica.exit_code)
            event(log, logging.ERROR, "replica failed to start", worker=unit.name, replica=replica.index,
                  exit_code=replica.process.returncode if replica.process else None)
        return ok

    async def _watch(self, unit: Unit, replica: ReplicaProcess) -> None:
        """Restart a replica whenever it exits on its own, backing off while it keeps failing."""
        backoff = BACKOFF_FIRST_SECONDS
        while not self.stopping:
            if replica.phase == "ready":
                code = await replica.wait()
                if self.stopping:
                    return
                replica.phase = "crashed"
                self.incidents.record(unit.name, "exited", replica=replica.index, pid=replica.pid, exit_code=code)
                self._changed(unit)()
                event(log, logging.ERROR, "replica exited", worker=unit.name, replica=replica.index,
                      pid=replica.pid, exit_code=code)
                if replica.ready_at and time.time() - replica.ready_at > STABLE_AFTER_SECONDS:
                    backoff = BACKOFF_FIRST_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            if self.stopping:
                return
            backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            replica.restarts += 1
            if await self._start_replica(unit, replica):
                self.incidents.record(unit.name, "restarted", replica=replica.index, pid=replica.pid)
                event(log, logging.INFO, "replica restarted", worker=unit.name, replica=replica.index,
                      pid=replica.pid, restarts=replica.restarts)

    async def wait_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()

    async def stop(self) -> None:
        """Router first, so no new request reaches a worker that is going away; then the workers."""
        self.stopping = True
        self._stop.set()
        for task in self._watchers:
            task.cancel()
        await asyncio.gather(*(r.stop(STOP_TIMEOUT_SECONDS) for r in self.router.replicas))
        await asyncio.gather(*(r.stop(STOP_TIMEOUT_SECONDS) for u in self.units.values() for r in u.replicas))
        await self.control.close()
        for stale in self.settings.run_dir.glob("*.sock"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        event(log, logging.INFO, "platform stopped")


def _package_dir(module: str, root: str | None = None) -> Path:
    """The folder of a package (or of a plain module) found on sys.path, without importing it."""
    if root and root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.util.find_spec(module)
    if spec is None:
        raise ImportError(module)
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    assert spec.origin is not None
    return Path(spec.origin).parent
