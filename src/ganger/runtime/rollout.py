"""Zero-downtime rollouts inside the supervisor: a new generation of a worker (or new router processes)
started beside the old, checked, switched to at once, then the old drained and stopped.

Order for a worker, and why:
1. start the new release's replicas on sockets of a new generation (the old ones keep serving);
2. wait for their readiness and a signed `GET /health` on each (a release that fails either is
   stopped and never routed to — the old generation never noticed);
3. switch: the unit's replica list becomes the new generation in one assignment, then one publish,
   so the router sees old or new, never a mix of "no replica";
4. wait a moment for every router to take the new state, then retire the old replicas (SIGTERM:
   uvicorn finishes the requests already on them).

The router: a new router process binds the same port (SO_REUSEPORT) and reports ready; then the old
one gets SIGTERM, takes what is already queued on its socket, stops accepting and drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..identity import User, load_secret, sign
from ..logs import event
from ..router.handoff import TAKEOVER_ENV, handoff_path
from .canary import Comparison
from .process import ReplicaProcess, python_module_command

if TYPE_CHECKING:
    from .supervisor import Supervisor, Unit

log = logging.getLogger("ganger.runtime.rollout")

CANARY_LAST_REPORT_SECONDS = 1.2  # routers report every second
SWITCH_GRACE_SECONDS = 0.5  # routers follow the state within milliseconds; this is a wide margin
HEALTH_TIMEOUT_SECONDS = 5.0
_DEPLOYER = User(email="deploy@runtime.ganger", name="Ganger deploy", roles=frozenset())


class RolloutError(Exception):
    """Why a new generation was not switched to (the message is shown to whoever deployed)."""


class Rollouts:
    """The supervisor's deploy ops. One rollout per unit at a time; other units are untouched."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.active: set[str] = set()
        self.generations: dict[str, int] = {}
        self.comparisons: dict[str, Comparison] = {}

    def handlers(self) -> dict[str, Any]:
        return {"deploy": self.deploy, "deploy-router": self.deploy_router, "canary": self.canary,
                "canary-report": self.canary_report}

    async def record_running(self) -> None:
        """Keep a release of the code every worker started with, so the first deploy can be rolled back."""
        from ..deploy._releases import ReleaseError, create_release

        def snapshot() -> None:
            for unit in list(self.supervisor.units.values()):
                if unit.worker is None or unit.worker.upstream or unit.release:
                    continue
                with contextlib.suppress(ReleaseError, OSError):
                    create_release(self.supervisor.manifest, self.supervisor.settings.data_dir, unit.name,
                                   by="ganger up")

        await asyncio.to_thread(snapshot)

    def _next_generation(self, unit: Unit) -> int:
        generation = max(self.generations.get(unit.name, 0), unit.generation) + 1
        self.generations[unit.name] = generation
        return generation

    def _refusal(self, request: dict[str, Any]) -> str | None:
        name = str(request.get("worker"))
        unit = self.supervisor.units.get(name)
        if unit is None or unit.worker is None:
            return f"no worker named {name!r}"
        if unit.worker.upstream:
            return "an external worker is not deployed by this platform"
        release = str(request.get("release_path") or "")
        if not release or not Path(release).is_dir():
            return f"release folder not found: {release}"
        if name in self.active:
            return "a deploy of this worker is already running"
        if self.supervisor.stopping:
            return "the platform is stopping"
        return None

    async def deploy(self, request: dict[str, Any]) -> dict[str, Any]:
        """`{"op": "deploy", "worker", "release_path", "version"}`: answered when switched or refused."""
        name = str(request.get("worker"))
        refusal = self._refusal(request)
        if refusal is not None:
            return {"ok": False, "worker": name, "error": refusal}
        unit = self.supervisor.units[name]
        self.active.add(name)
        try:
            return await self._deploy(unit, str(request["release_path"]), str(request.get("version") or "unknown"))
        except RolloutError as exc:
            event(log, logging.ERROR, "deploy refused", worker=name, reason=str(exc))
            return {"ok": False, "worker": name, "version": request.get("version"), "running": unit.version,
                    "error": str(exc)}
        finally:
            self.active.discard(name)

    async def _deploy(self, unit: Unit, release: str, version: str) -> dict[str, Any]:
        began = time.monotonic()
        previous = unit.version
        count = max(1, unit.desired, sum(r.phase == "ready" for r in unit.replicas))
        generation = self._next_generation(unit)
        event(log, logging.INFO, "deploy started", worker=unit.name, version=version, running=previous,
              generation=generation, replicas=count)
        fresh = await self._start_generation(unit, release, version, generation, range(count))
        ready_s = time.monotonic() - began
        drained_s = await self._switch(unit, fresh, generation, release, version)
        return {"ok": True, "worker": unit.name, "version": version, "previous": previous, "generation": generation,
                "replicas": count, "pids": [r.pid for r in fresh], "ready_ms": round(ready_s * 1000, 1),
                "drain_ms": round(drained_s * 1000, 1)}

    async def _start_generation(self, unit: Unit, release: str, version: str, generation: int,
                                indexes: range) -> list[ReplicaProcess]:
        """Start replicas of the release beside the running ones; all ready and healthy, or RolloutError
        (and none left running)."""
        from .supervisor import Unit

        sup = self.supervisor
        shadow = Unit(name=unit.name, version=version, worker=unit.worker, release=release, generation=generation)
        fresh = []
        for index in indexes:
            socket_path = sup.settings.replica_socket(unit.name, index, generation)
            fresh.append(ReplicaProcess(index, f"unix:{socket_path}", sup._spawner(shadow, socket_path),
                                        sup.control.publish))
        started = await asyncio.gather(*(sup._start_replica(shadow, r) for r in fresh))
        try:
            if not all(started):
                failed = next(r for r, ok in zip(fresh, started, strict=True) if not ok)
                raise RolloutError(f"the new release did not start: replica {failed.index} "
                                   f"exited with code {failed.exit_code} before it was ready")
            for replica in fresh:
                await check_health(replica.address, load_secret(sup.settings.data_dir), version)
        except (RolloutError, OSError, TimeoutError) as exc:
            await asyncio.gather(*(self._discard(r) for r in fresh))
            if isinstance(exc, RolloutError):
                raise
            raise RolloutError(f"the new release failed its health check: {exc or type(exc).__name__}") from exc
        return fresh

    async def _switch(self, unit: Unit, fresh: list[ReplicaProcess], generation: int, release: str,
                      version: str) -> float:
        """Route to `fresh` from now on (one assignment, one publish), then drain and stop the old
        replicas; returns the seconds from the switch to the last old replica's exit."""
        sup = self.supervisor
        previous = unit.version
        old = [r for r in unit.replicas if r not in fresh]
        for replica in fresh:
            replica._on_change = sup._changed(unit)
        unit.replicas = fresh
        unit.canary, unit.canary_percent = [], 0
        unit.generation, unit.version, unit.release = generation, version, release
        for replica in fresh:
            if replica not in sup._replica_tasks:
                sup._replica_tasks[replica] = asyncio.create_task(sup._watch(unit, replica))
        sup._changed(unit)()
        switched_at = time.monotonic()
        event(log, logging.INFO, "deploy switched", worker=unit.name, version=version, previous=previous,
              generation=generation)
        await asyncio.sleep(SWITCH_GRACE_SECONDS)
        await asyncio.gather(*(sup._retire(unit, r) for r in old))
        drained_s = time.monotonic() - switched_at
        event(log, logging.INFO, "deploy done", worker=unit.name, version=version, drained_ms=round(drained_s * 1000, 1))
        return drained_s

    def canary_report(self, request: dict[str, Any]) -> None:
        """A router's per-generation answers for canaried workers (no reply)."""
        workers = request.get("workers")
        for name, tallies in (workers.items() if isinstance(workers, dict) else []):
            comparison = self.comparisons.get(name)
            if comparison is not None and isinstance(tallies, dict):
                comparison.add(tallies)

    async def canary(self, request: dict[str, Any]) -> dict[str, Any]:
        """`{"op": "canary", "worker", "release_path", "version", "percent", "seconds"}`: one replica of the
        new release gets `percent` of the sessions for `seconds`; then promoted or rolled back."""
        name = str(request.get("worker"))
        refusal = self._refusal(request)
        if refusal is not None:
            return {"ok": False, "worker": name, "error": refusal}
        unit = self.supervisor.units[name]
        percent = min(99, max(1, int(request.get("percent") or 10)))
        seconds = max(1.0, float(request.get("seconds") or 30.0))
        self.active.add(name)
        try:
            return await self._canary(unit, str(request["release_path"]), str(request.get("version") or "unknown"),
                                      percent, seconds)
        except RolloutError as exc:
            event(log, logging.ERROR, "deploy refused", worker=name, reason=str(exc))
            return {"ok": False, "worker": name, "version": request.get("version"), "running": unit.version,
                    "error": str(exc)}
        finally:
            self.active.discard(name)
            self.comparisons.pop(name, None)

    async def _canary(self, unit: Unit, release: str, version: str, percent: int, seconds: float) -> dict[str, Any]:
        sup = self.supervisor
        previous = unit.version
        count = max(1, unit.desired, sum(r.phase == "ready" for r in unit.replicas))
        generation = self._next_generation(unit)
        trial = await self._start_generation(unit, release, version, generation, range(1))
        for replica in trial:
            replica._on_change = sup._changed(unit)
        comparison = self.comparisons[unit.name] = Comparison()
        unit.canary, unit.canary_percent = trial, percent
        sup._changed(unit)()
        event(log, logging.INFO, "canary started", worker=unit.name, version=version, running=previous,
              percent=percent, seconds=seconds)
        deadline = time.monotonic() + seconds
        died = False
        while time.monotonic() < deadline and not sup.stopping:
            await asyncio.sleep(0.25)
            if not all(r.running for r in trial):
                died = True
                break
        await asyncio.sleep(CANARY_LAST_REPORT_SECONDS)  # the routers' last counts of the window
        promote, why = comparison.verdict()
        if died:
            promote, why = False, "the canary replica exited"
        figures = {"percent": percent, "seconds": seconds, **comparison.figures()}
        if promote:
            try:
                extra = await self._start_generation(unit, release, version, generation, range(1, count))
            except RolloutError as exc:
                promote, why = False, f"promotion failed: {exc}"
            else:
                await self._switch(unit, trial + extra, generation, release, version)
        if not promote:
            unit.canary, unit.canary_percent = [], 0
            sup._changed(unit)()
            await asyncio.sleep(SWITCH_GRACE_SECONDS)
            await asyncio.gather(*(self._discard(r, 15.0) for r in trial))
        decision = f"{'promoted' if promote else 'rolled back'}: {why}"
        event(log, logging.INFO if promote else logging.WARNING, "canary decision", worker=unit.name,
              version=version, promoted=promote, reason=why, stable=figures["stable"], canary=figures["canary"])
        return {"ok": True, "worker": unit.name, "promoted": promote, "decision": decision, "canary": figures,
                "version": version if promote else previous, "previous": previous, "generation": generation}

    async def _discard(self, replica: ReplicaProcess, timeout: float = 2.0) -> None:
        await replica.stop(timeout)
        with contextlib.suppress(FileNotFoundError):
            Path(replica.address.removeprefix("unix:")).unlink()

    async def deploy_router(self, request: dict[str, Any]) -> dict[str, Any]:
        """`{"op": "deploy-router", "release_path", "version"}`: new router processes, then the old drain."""
        if "router" in self.active:
            return {"ok": False, "worker": "router", "error": "a deploy of the router is already running"}
        self.active.add("router")
        try:
            return await self._deploy_router(str(request.get("release_path") or ""), str(request.get("version") or ""))
        except RolloutError as exc:
            event(log, logging.ERROR, "deploy refused", worker="router", reason=str(exc))
            return {"ok": False, "worker": "router", "error": str(exc), "running": self.supervisor.router.version}
        finally:
            self.active.discard("router")

    async def _deploy_router(self, release: str, version: str) -> dict[str, Any]:
        sup = self.supervisor
        unit = sup.router
        began = time.monotonic()
        previous = unit.version
        env = dict(sup._env)
        if release:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (release, env.get("PYTHONPATH", "")) if p)
        command = python_module_command("ganger.router.server")
        old = list(unit.replicas)
        base = max((r.index for r in old), default=-1) + 1
        fresh = []
        for i in range(max(1, len(old))):
            own = dict(env)
            if i < len(old) and old[i].pid:  # take over that router's listening socket (ganger.router.handoff)
                own[TAKEOVER_ENV] = str(handoff_path(sup.settings.run_dir, old[i].pid))
            fresh.append(ReplicaProcess(base + i, f"tcp:{sup.settings.host}:{sup.settings.port}",
                                        lambda own=own: sup.exec_launcher.spawn(command, own), sup.control.publish))
        started = await asyncio.gather(*(r.start(60.0) for r in fresh))
        if not all(started):
            await asyncio.gather(*(r.stop(2.0) for r in fresh))
            raise RolloutError("the new router did not start (it exited or did not listen in time)")
        ready_s = time.monotonic() - began
        for replica in fresh:
            replica._on_change = sup._changed(unit)
        unit.replicas = fresh
        unit.version = version or previous
        for replica in fresh:
            sup._watchers.append(asyncio.create_task(sup._watch(unit, replica)))
        sup._changed(unit)()
        switched_at = time.monotonic()
        await asyncio.gather(*(r.stop(15.0) for r in old))
        drained_s = time.monotonic() - switched_at
        event(log, logging.INFO, "router deployed", version=unit.version, previous=previous,
              pids=[r.pid for r in fresh], ready_ms=round(ready_s * 1000, 1), drain_ms=round(drained_s * 1000, 1))
        return {"ok": True, "worker": "router", "version": unit.version, "previous": previous,
                "pids": [r.pid for r in fresh], "ready_ms": round(ready_s * 1000, 1),
                "drain_ms": round(drained_s * 1000, 1)}


async def check_health(address: str, secret: bytes, version: str | None = None,
                       timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
    """GET /health on one replica's Unix socket, signed as the router would; raise RolloutError unless 200.

    A worker that reports its own `version` must report the one being deployed (else the release
    folder did not take effect)."""
    if not address.startswith("unix:"):
        return
    head = [b"GET /health HTTP/1.1", b"Host: localhost", b"Connection: close", b"Accept: application/json"]
    head += [name + b": " + value for name, value in sign(secret, _DEPLOYER, b"GET", b"/health")]
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(address.removeprefix("unix:"))
        try:
            writer.write(b"\r\n".join(head) + b"\r\n\r\n")
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    if status != 200:
        raise RolloutError(f"the new release failed its health check: GET /health answered {status or 'nothing'}")
    body = rest.partition(b"\r\n\r\n")[2]
    with contextlib.suppress(msgspec.DecodeError, ValueError):
        document = msgspec.json.decode(body)
        reported = document.get("version") if isinstance(document, dict) else None
        if version and reported and reported != version:
            raise RolloutError(f"the new release reports version {reported}, expected {version}")
