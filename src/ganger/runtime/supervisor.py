"""The supervisor: the one parent of every replica process, and the source of the platform's state.

Lifecycle, in order: prepare the data dir → start the control socket and the zygote → start every
worker's initial replicas and the router (in parallel) → report ready → watch, restart with
backoff, and scale each worker on its own (minimum, warm-up, load, demand, idle) → on stop:
router first (stops accepting, drains), then the workers, then the zygote and the control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import psutil

from ..control import PlatformState, WorkerState
from ..control.server import ControlServer
from ..control.state import WarmWindow
from ..errors import RuntimeStartError
from ..identity import load_secret
from ..logs import event
from ..manifest import Manifest, Worker, module_location
from ..monitoring import RouterDelta
from ..monitoring.aggregate import Aggregate
from ..monitoring.exposition import render
from ..monitoring.incidents import IncidentLog
from ..monitoring.workers import WorkerMetricsCache
from ..settings import Settings
from ..versioning import tree_version
from .clock import Clock
from .launchers import ExecLauncher, ZygoteLauncher
from .process import ReplicaProcess, python_module_command
from .rollout import Rollouts
from .warmup import DemandHistory, WarmupPlanner

log = logging.getLogger("ganger.runtime")

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 10.0
STABLE_AFTER_SECONDS = 30.0
MEMORY_SAMPLE_SECONDS = 1.0
CPU_HITS_BEFORE_RECYCLE = 3
CPU_HIT_WINDOW_SECONDS = 60.0
SCALE_TICK_SECONDS = 0.5
START_DURATIONS_KEPT = 1000


@dataclass
class Unit:
    """A worker (or the router) and its replicas."""

    name: str
    version: str
    worker: Worker | None
    replicas: list[ReplicaProcess] = field(default_factory=list)
    changed_at: float = field(default_factory=time.time)
    desired: int = 0
    reason: str = "min"
    last_activity: float = field(default_factory=time.monotonic)
    calm_since: float | None = None
    cold_starts: int = 0
    release: str | None = None
    recycles: int = 0
    generation: int = 0  # bumped by each deploy; part of the replicas' socket names
    canary: list[ReplicaProcess] = field(default_factory=list)  # a new generation on trial (ganger.runtime.rollout)
    canary_percent: int = 0

    def phase(self) -> str:
        if self.worker is not None and self.worker.upstream:
            return "external"
        phases = [r.phase for r in self.replicas]
        if not phases:
            return "idle" if self.desired == 0 else "starting"
        ready = phases.count("ready")
        if ready == len(phases) and ready >= self.desired:
            return "ready"
        if ready:
            return "degraded"
        if all(p == "stopped" for p in phases):
            return "stopped"
        if any(p == "starting" for p in phases) or len(phases) < self.desired:
            return "starting"
        return "down"

    def state(self) -> WorkerState:
        return WorkerState(
            name=self.name, phase=self.phase(), version=self.version,  # type: ignore[arg-type]
            replicas=[r.state() for r in self.replicas],
            restarts=sum(r.restarts for r in self.replicas), changed_at=self.changed_at,
            desired=self.desired, reason=self.reason, cold_starts=self.cold_starts, recycles=self.recycles,
            canary=[r.state() for r in self.canary], canary_percent=self.canary_percent,
        )

    def free_index(self) -> int:
        used = {r.index for r in self.replicas}
        return next(i for i in range(len(used) + 1) if i not in used)


class Supervisor:
    def __init__(self, manifest: Manifest, settings: Settings, environment: str, clock: Clock | None = None) -> None:
        self.manifest = manifest
        self.settings = settings
        self.environment = environment
        self.clock = clock or Clock()
        self.started_at = time.time()
        self.ready = False
        self.stopping = False
        self.aggregate = Aggregate()
        self.start_seconds: dict[str, deque[float]] = {}
        self.incidents = IncidentLog()
        self.worker_metrics = WorkerMetricsCache(self.snapshot, load_secret(settings.data_dir))
        self.history = DemandHistory(settings.data_dir / "demand.json")
        self.planner = WarmupPlanner(manifest, self.history)
        self.warm: dict[str, str] = {}
        self.rollouts = Rollouts(self)
        self.control = ControlServer(settings.control_socket, self.snapshot, {
            "report": self._report,
            "demand": self._demand,
            "limit": self._limit,
            "metrics": lambda _: {"text": render(self.aggregate, self.snapshot(), self._start_lists()).decode()
                                  + self.worker_metrics.text},
            "history": lambda _: self.aggregate.history(),
            "incidents": lambda _: self.incidents.document(),
            **self.rollouts.handlers(),
        })
        self.units: dict[str, Unit] = {}
        self.router = Unit(name="router", version=tree_version(Path(__file__).resolve().parents[1]), worker=None)
        self._watchers: list[asyncio.Task[None]] = []
        self._replica_tasks: dict[ReplicaProcess, asyncio.Task[None]] = {}
        self._stop = asyncio.Event()
        self._env = dict(os.environ)
        self._env.update(
            GANGER_MANIFEST=str(manifest.path),
            GANGER_DATA_DIR=str(settings.data_dir),
            GANGER_HOST=settings.host,
            GANGER_PORT=str(settings.port),
            GANGER_ENVIRONMENT=environment,
            PYTHONUNBUFFERED="1",
        )
        self.exec_launcher = ExecLauncher()
        use_zygote = os.environ.get("GANGER_ZYGOTE", "1" if manifest.runtime.zygote else "0") != "0"
        self.zygote = ZygoteLauncher(self._env) if use_zygote else None
        for worker in manifest.units:
            self.units[worker.name] = Unit(name=worker.name, version=self._worker_version(worker), worker=worker,
                                           desired=worker.min_replicas)
        processes = settings.router_processes or manifest.router.processes
        for index in range(processes):
            command = python_module_command("ganger.router.server")
            self.router.replicas.append(ReplicaProcess(
                index, f"tcp:{settings.host}:{settings.port}",
                lambda command=command: self.exec_launcher.spawn(command, self._env), self._changed(self.router),
            ))

    def _worker_version(self, worker: Worker) -> str:
        if worker.upstream:
            return "external"
        with contextlib.suppress(ImportError, ValueError, AttributeError):
            location = module_location(worker.module, self.manifest.path.parent)
            if location is not None:
                return tree_version(location if location.is_dir() else location.parent)
        return "unknown"

    def _changed(self, unit: Unit) -> Callable[[], None]:
        def changed() -> None:
            unit.changed_at = time.time()
            self.incidents.phase(unit.name, unit.phase())
            self.control.publish()
        return changed

    def snapshot(self) -> PlatformState:
        zone = self.planner.zone
        return PlatformState(
            started_at=self.started_at,
            environment=self.environment,
            workers={name: self._with_traffic(unit.state()) for name, unit in self.units.items()},
            router=[r.state() for r in self.router.replicas],
            ready=self.ready,
            now=self.clock.now(zone).isoformat(timespec="seconds"),
            warm_windows=[WarmWindow(w.worker, w.reason, w.start.isoformat(timespec="minutes"),
                                     w.end.isoformat(timespec="minutes"))
                          for w in self.planner.windows(self.clock.now(zone))],
            forecast=self.planner.forecast(self.clock.now(zone)),
            router_version=self.router.version,
        )

    def _with_traffic(self, state: WorkerState) -> WorkerState:
        totals = self.aggregate.totals.get(state.name)
        if totals is None:
            return state
        return msgspec.structs.replace(state, cpu_limit_hits=totals.cpu_limit_hits,
                                       memory_limit_hits=totals.memory_limit_hits, shed=totals.shed)

    # -- control ops ---------------------------------------------------------------------------------
    def _report(self, request: dict[str, Any]) -> None:
        """A router process's counters since its last report; also the demand the scaler learns from."""
        try:
            delta = msgspec.convert(request.get("delta"), RouterDelta, strict=False)
        except msgspec.ValidationError:
            event(log, logging.WARNING, "malformed metrics report")
            return
        self.aggregate.add(delta)
        now = self.clock.now(self.planner.zone)
        for name, worker_delta in delta.workers.items():
            unit = self.units.get(name)
            requests = sum(worker_delta.statuses.values())
            if unit is not None and (requests or worker_delta.in_flight):
                unit.last_activity = time.monotonic()
            if requests:
                self.history.record(name, requests, now)

    def _limit(self, request: dict[str, Any]) -> None:
        """A replica stopped a request at its limit ("memory; pid=123"): replace it after a memory
        hit, or after CPU_HITS_BEFORE_RECYCLE CPU hits within CPU_HIT_WINDOW_SECONDS."""
        unit = self.units.get(str(request.get("worker")))
        kind, _, pid_part = str(request.get("limit", "")).partition(";")
        pid = pid_part.strip().removeprefix("pid=")
        replica = next((r for r in unit.replicas if str(r.pid) == pid), None) if unit else None
        if unit is None or replica is None:
            return
        kind = kind.strip()
        if kind == "memory":
            self._recycle(unit, replica, "memory limit")
            return
        now = time.monotonic()
        replica.cpu_hits = [t for t in replica.cpu_hits if now - t < CPU_HIT_WINDOW_SECONDS] + [now]
        if len(replica.cpu_hits) >= CPU_HITS_BEFORE_RECYCLE:
            self._recycle(unit, replica, "keeps exceeding its CPU limit")

    def _recycle(self, unit: Unit, replica: ReplicaProcess, reason: str) -> None:
        """Replace a replica gracefully: the new one is ready before the old one is drained."""
        if replica.being_replaced or replica.phase != "ready" or self.stopping:
            return
        replica.being_replaced = True
        unit.recycles += 1
        self.incidents.record(unit.name, "recycled", replica=replica.index, pid=replica.pid, reason=reason)
        event(log, logging.WARNING, "recycling replica", worker=unit.name, replica=replica.index, pid=replica.pid,
              reason=reason, rss_mb=round(replica.rss_bytes / 1048576, 1))
        # The successor is added now, so the scaler counts it and does not start one of its own.
        asyncio.create_task(self._replace(unit, replica, self._add_replica(unit)))

    async def _replace(self, unit: Unit, old: ReplicaProcess, successor: ReplicaProcess) -> None:
        ready = await self._start_replica(unit, successor)
        self._replica_tasks[successor] = asyncio.create_task(self._watch(unit, successor))
        if not ready and old.running:
            event(log, logging.ERROR, "replacement failed; the old replica keeps serving", worker=unit.name)
            old.being_replaced = False
            return
        await self._retire(unit, old)

    def _demand(self, request: dict[str, Any]) -> None:
        """The router holds a request for a worker with no ready replica: make sure one is coming.

        Many held requests send many demands; only the first of them starts a replica."""
        unit = self.units.get(str(request.get("worker")))
        if unit is None or unit.worker is None or unit.worker.upstream or self.stopping:
            return
        unit.last_activity = time.monotonic()
        if unit.desired == 0:
            event(log, logging.INFO, "scaling", worker=unit.name, replicas=1, was=0, reason="demand")
            unit.desired, unit.reason = 1, "demand"
            self._converge(unit)
            self.control.publish()

    def _start_lists(self) -> dict[str, list[float]]:
        return {name: list(durations) for name, durations in self.start_seconds.items()}

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Bring the whole platform up; raise RuntimeStartError if the router cannot start."""
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.settings.run_dir, 0o700)  # worker sockets: reachable by this user only
        for stale in self.settings.run_dir.glob("*.sock"):
            stale.unlink()
        await self.control.start()
        if self.zygote is not None:
            await self.zygote.start()
        router_started = asyncio.create_task(self._start_router())
        kept = asyncio.create_task(self.rollouts.record_running())  # the code started is the code kept
        self._plan_all()  # starts every worker's initial replicas
        initial = [replica for unit in self.units.values() for replica in unit.replicas]
        await asyncio.gather(*(replica.settled.wait() for replica in initial))
        if not await router_started:
            await self.stop()
            raise RuntimeStartError(
                f"the router could not listen on {self.settings.host}:{self.settings.port} (is the port in use?)"
            )
        for replica in self.router.replicas:
            self._watchers.append(asyncio.create_task(self._watch(self.router, replica)))
        self._watchers.append(asyncio.create_task(self._sample_memory()))
        self._watchers.append(asyncio.create_task(self.worker_metrics.run(self._stop)))
        self._watchers.append(asyncio.create_task(self._scale_forever()))
        await kept
        self.ready = True
        self.control.publish()
        failed = [u.name for u in self.units.values() if u.phase() not in ("ready", "external", "idle")]
        event(log, logging.INFO, "platform ready", workers=len(self.units), not_ready=failed,
              zygote=self.zygote is not None)

    def _spawner(self, unit: Unit, socket_path: Path) -> Callable[[], Any]:
        assert unit.worker is not None
        name = unit.worker.name

        def spawn() -> Any:
            if self.zygote is not None:
                return self.zygote.spawn(name, str(socket_path), unit.release)
            command = python_module_command("ganger.runtime.replica", "--worker", name, "--socket", str(socket_path))
            if unit.release:
                command[4:4] = ["--release", unit.release]
            return self.exec_launcher.spawn(command, self._env)

        return spawn

    def _add_replica(self, unit: Unit) -> ReplicaProcess:
        index = unit.free_index()
        socket_path = self.settings.replica_socket(unit.name, index, unit.generation)
        replica = ReplicaProcess(index, f"unix:{socket_path}", self._spawner(unit, socket_path), self._changed(unit))
        unit.replicas.append(replica)
        return replica

    async def _start_router(self) -> bool:
        results = [await r.start(READY_TIMEOUT_SECONDS) for r in self.router.replicas]
        return all(results)

    async def _start_replica(self, unit: Unit, replica: ReplicaProcess) -> bool:
        try:
            ok = await replica.start(READY_TIMEOUT_SECONDS)
        except (OSError, RuntimeStartError, TimeoutError) as exc:
            event(log, logging.ERROR, "replica could not be spawned", worker=unit.name, error=str(exc))
            replica.phase = "crashed"
            ok = False
        finally:
            replica.settled.set()
        if ok and replica.started_at and replica.ready_at:
            durations = self.start_seconds.setdefault(unit.name, deque(maxlen=START_DURATIONS_KEPT))
            durations.append(replica.ready_at - replica.started_at)
            self.aggregate.cold_start(unit.name)
            unit.cold_starts += 1
            unit.last_activity = time.monotonic()
            with contextlib.suppress(psutil.Error):
                replica.rss_bytes = psutil.Process(replica.pid).memory_info().rss  # type: ignore[arg-type]
            event(log, logging.INFO, "replica ready", worker=unit.name, replica=replica.index, pid=replica.pid,
                  start_ms=round((replica.ready_at - replica.started_at) * 1000, 1), reason=unit.reason)
        if not ok:
            self.incidents.record(unit.name, "start-failed", replica=replica.index, pid=replica.pid,
                                  exit_code=replica.exit_code)
            event(log, logging.ERROR, "replica failed to start", worker=unit.name, replica=replica.index,
                  exit_code=replica.exit_code)
        return ok

    async def _watch(self, unit: Unit, replica: ReplicaProcess) -> None:
        """Restart a replica whenever it exits on its own, backing off while it keeps failing."""
        backoff = BACKOFF_FIRST_SECONDS
        while not self.stopping and replica in unit.replicas:
            if replica.phase == "ready":
                code = await replica.wait()
                if self.stopping or replica not in unit.replicas or replica.phase == "stopping":
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
            if self.stopping or replica not in unit.replicas:
                return
            backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            replica.restarts += 1
            if await self._start_replica(unit, replica):
                self.incidents.record(unit.name, "restarted", replica=replica.index, pid=replica.pid)
                event(log, logging.INFO, "replica restarted", worker=unit.name, replica=replica.index,
                      pid=replica.pid, restarts=replica.restarts)

    # -- scaling ---------------------------------------------------------------------------------------
    def _plan_all(self) -> None:
        self.warm = self.planner.wanted(self.clock.now(self.planner.zone))
        for unit in self.units.values():
            self._plan(unit)

    def _plan(self, unit: Unit) -> None:
        """How many replicas this worker should have now, and why. Touches no other worker."""
        worker = unit.worker
        if worker is None or worker.upstream:
            return
        now = time.monotonic()
        floor, reason = worker.min_replicas, "min"
        if worker.name in self.manifest.warmup.always_warm and floor < 1:
            floor, reason = 1, "always warm"
        if worker.name in self.warm and floor < 1:
            floor, reason = 1, self.warm[worker.name]
        ready = sum(r.phase == "ready" for r in unit.replicas)
        in_flight = self.aggregate.in_flight_total(worker.name)
        threshold = self.manifest.runtime.scale_up_in_flight
        desired, why = unit.desired, unit.reason
        all_ready = ready == len(unit.replicas)
        if ready and all_ready and in_flight > threshold * ready and desired < worker.max_replicas:
            desired, why = desired + 1, "load"
            unit.calm_since = None
        elif desired > max(floor, 1) and in_flight <= threshold * (desired - 1) / 2:
            unit.calm_since = unit.calm_since or now
            if now - unit.calm_since >= self.manifest.runtime.scale_down_after_s:
                desired, why = desired - 1, "load"
                unit.calm_since = None
        else:
            unit.calm_since = None
        # Idle only counts from when the replicas were ready: requests held for a starting replica
        # are not in flight yet, and must not see it stopped before it answers them.
        if (floor == 0 and desired > 0 and in_flight == 0 and all_ready
                and now - unit.last_activity > worker.idle_timeout_s):
            desired, why = 0, "idle"
        if desired < floor or (desired == floor and floor > 0):
            desired, why = floor, reason
        if (desired, why) != (unit.desired, unit.reason):
            if desired != unit.desired:
                event(log, logging.INFO, "scaling", worker=worker.name, replicas=desired, was=unit.desired, reason=why)
            unit.desired, unit.reason = desired, why
            self.control.publish()
        self._converge(unit)

    def _converge(self, unit: Unit) -> None:
        """Start or stop replicas until the count matches `desired`; newest replicas stop first."""
        live = [r for r in unit.replicas if r.phase != "stopping" and not r.being_replaced]
        while len(live) < unit.desired:
            replica = self._add_replica(unit)
            live.append(replica)
            self._replica_tasks[replica] = asyncio.create_task(self._start_and_watch(unit, replica))
        for replica in sorted(live, key=lambda r: r.index)[unit.desired:]:
            asyncio.create_task(self._retire(unit, replica))

    async def _start_and_watch(self, unit: Unit, replica: ReplicaProcess) -> None:
        await self._start_replica(unit, replica)
        await self._watch(unit, replica)

    async def _retire(self, unit: Unit, replica: ReplicaProcess) -> None:
        replica.phase = "stopping"
        self._changed(unit)()  # the router stops sending it requests before it is told to stop
        await asyncio.sleep(0.2)
        await replica.stop(STOP_TIMEOUT_SECONDS)
        if replica in unit.replicas:
            unit.replicas.remove(replica)
        task = self._replica_tasks.pop(replica, None)
        if task is not None:
            task.cancel()
        with contextlib.suppress(FileNotFoundError):
            Path(replica.address.removeprefix("unix:")).unlink()
        self._changed(unit)()

    async def _scale_forever(self) -> None:
        last_hour = None
        while not self.stopping:
            now = self.clock.now(self.planner.zone)
            if last_hour is not None and now.hour != last_hour:
                self.history.close_hour()
            last_hour = now.hour
            previous = dict(self.warm)
            self._plan_all()
            for name in set(self.warm) - set(previous):
                event(log, logging.INFO, "warm-up", worker=name, reason=self.warm[name], at=now.isoformat("T", "minutes"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), SCALE_TICK_SECONDS)

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
                    if unit.worker and replica.rss_bytes > unit.worker.budgets.memory_mb * 1024 * 1024:
                        self._recycle(unit, replica, "memory over budget")
                if largest:
                    self.aggregate.memory_sample(unit.name, largest)
            self.control.publish()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), MEMORY_SAMPLE_SECONDS)

    # -- stopping --------------------------------------------------------------------------------------
    async def wait_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()

    async def stop(self) -> None:
        """Router first, so no new request reaches a worker that is going away; then the workers."""
        self.stopping = True
        self._stop.set()
        for task in [*self._watchers, *self._replica_tasks.values()]:
            task.cancel()
        await asyncio.gather(*(r.stop(STOP_TIMEOUT_SECONDS) for r in self.router.replicas))
        await asyncio.gather(*(r.stop(STOP_TIMEOUT_SECONDS) for u in self.units.values() for r in u.replicas))
        if self.zygote is not None:
            await self.zygote.stop()
        self.history.close_hour()
        await self.control.close()
        for stale in self.settings.run_dir.glob("*.sock"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        event(log, logging.INFO, "platform stopped")
