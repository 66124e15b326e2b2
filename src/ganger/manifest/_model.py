"""The manifest as the rest of the platform uses it: resolved, validated, immutable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._schema import AuthSection, Budgets, Kind, PlatformSection, Profile, RouterSection, RuntimeSection, WarmupSection


@dataclass(frozen=True, slots=True)
class Worker:
    name: str
    kind: Kind
    description: str
    entry: str
    host: str | None
    prefix: str
    auth_required: bool
    min_replicas: int
    max_replicas: int
    idle_timeout_s: float
    redirect_bare_prefix: bool
    upstream: str | None
    budgets: Budgets
    profile: Profile | None
    roles: tuple[str, ...] = ()
    websocket: bool = False

    @property
    def module(self) -> str:
        return self.entry.partition(":")[0]

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


@dataclass(frozen=True, slots=True)
class Manifest:
    path: Path
    platform: PlatformSection
    router: RouterSection
    warmup: WarmupSection
    auth: AuthSection
    runtime: RuntimeSection
    workers: tuple[Worker, ...]
    services: tuple[Worker, ...] = ()

    @property
    def units(self) -> tuple[Worker, ...]:
        """The applications' workers and the platform's own services (sign-in): everything that runs."""
        return self.workers + self.services

    def worker(self, name: str) -> Worker:
        for worker in self.units:
            if worker.name == name:
                return worker
        raise KeyError(name)

    @property
    def staff_workers(self) -> tuple[Worker, ...]:
        return tuple(w for w in self.workers if w.kind == "staff")

    @property
    def patient_workers(self) -> tuple[Worker, ...]:
        return tuple(w for w in self.workers if w.kind == "patient")
