"""The runtime's view of the platform, as published on the control socket.

The supervisor owns these values; the router (for routing and /health) and the status app
(for its page) read them. msgspec keeps encoding cheap enough to publish on every change.
"""

from __future__ import annotations

from typing import Literal

import msgspec

ReplicaPhase = Literal["starting", "ready", "crashed", "stopping", "stopped"]


class ReplicaState(msgspec.Struct, frozen=True):
    index: int
    phase: ReplicaPhase
    address: str  # "unix:/path" or "tcp:host:port"
    pid: int | None = None
    started_at: float | None = None
    ready_at: float | None = None
    restarts: int = 0
    exit_code: int | None = None
    rss_bytes: int = 0


class WorkerState(msgspec.Struct, frozen=True):
    name: str
    phase: Literal["starting", "ready", "degraded", "down", "stopped", "external", "idle"]
    version: str
    replicas: list[ReplicaState]
    restarts: int = 0
    changed_at: float = 0.0
    desired: int = 0
    reason: str = ""  # why `desired` replicas: "min", "warm-up: …", "forecast", "load", "demand", "idle"
    cold_starts: int = 0
    recycles: int = 0
    cpu_limit_hits: int = 0
    memory_limit_hits: int = 0
    shed: int = 0
    canary: list[ReplicaState] = []  # a new generation on trial, getting `canary_percent` of the sessions
    canary_percent: int = 0

    @property
    def ready_addresses(self) -> list[str]:
        return [r.address for r in self.replicas if r.phase == "ready"]


class WarmWindow(msgspec.Struct, frozen=True):
    worker: str
    reason: str
    start: str  # ISO 8601, clinic time zone
    end: str


class PlatformState(msgspec.Struct, frozen=True):
    started_at: float
    environment: str
    workers: dict[str, WorkerState]
    router: list[ReplicaState] = []
    ready: bool = False
    now: str = ""  # the runtime's clock (injectable in tests), clinic time zone
    warm_windows: list[WarmWindow] = []
    forecast: dict[str, float] = {}  # learned requests expected per worker in the coming hour (non-zero only)
    router_version: str = ""  # content hash of the code the router processes run


encode = msgspec.json.Encoder().encode
decode_state = msgspec.json.Decoder(PlatformState).decode
