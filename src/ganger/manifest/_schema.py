"""The manifest's shape. Every field here is part of the documented configuration (docs/manifest.md)."""

from __future__ import annotations

from typing import Literal

import msgspec

Kind = Literal["staff", "patient"]


class Budgets(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    memory_mb: int = 128
    memory_target_mb: int = 64
    cpu_ms: int = 50
    concurrency: int = 1000
    bundle_kb: int = 500
    cold_start_ms: int = 200
    max_body_mb: int = 100  # a longer request body is refused with 413 at the router


class BudgetOverrides(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    memory_mb: int | None = None
    memory_target_mb: int | None = None
    cpu_ms: int | None = None
    concurrency: int | None = None
    bundle_kb: int | None = None
    cold_start_ms: int | None = None
    max_body_mb: int | None = None


class Profile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The seed's scaling profile: when a worker is busiest and how busy."""

    peak: str
    requests_per_hour: int


class WorkerSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    kind: Kind
    description: str
    entry: str
    prefix: str = "/"
    host: str | None = None
    auth_required: bool | None = None
    min_replicas: int = 1
    max_replicas: int | None = None
    idle_timeout_s: float = 900.0
    redirect_bare_prefix: bool = True
    upstream: str | None = None
    budgets: BudgetOverrides = BudgetOverrides()
    profile: Profile | None = None
    roles: list[str] = msgspec.field(default_factory=list)
    websocket: bool = False


class PlatformSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str = "ganger"
    environment: str = "development"
    staff_portal_base: str = "staff.gangerdermatology.com"
    staff_hosts: list[str] = msgspec.field(default_factory=lambda: ["localhost", "127.0.0.1"])
    patient_domains: list[str] = msgspec.field(default_factory=lambda: ["localhost"])


class RouterSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str = "staff-portal"
    bundle_kb: int = 50
    cold_start_ms: int = 100
    slow_stage_ms: float = 5.0
    slow_request_ms: float = 2000.0
    upstream_connect_timeout_s: float = 2.0
    upstream_timeout_s: float = 60.0  # no response head from the worker in this time: 504
    circuit_failures: int = 5  # consecutive failures that open a worker's circuit
    circuit_open_s: float = 5.0  # how long an open circuit answers at once before a probe request
    processes: int = 1
    # Limits on what a client may send (docs/security.md): beyond them the router answers 414 / 431,
    # and a client slower than the deadlines loses its connection.
    max_request_line_bytes: int = 8 * 1024
    max_header_bytes: int = 32 * 1024
    header_timeout_s: float = 10.0
    body_idle_timeout_s: float = 30.0
    keep_alive_idle_s: float = 75.0


class Trigger(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    at: str
    workers: list[str] | None = None  # default: always-warm workers and those whose profile peaks then


class RuntimeSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """How the runtime starts and scales replicas."""

    zygote: bool = True  # fork workers from a pre-initialised parent (GANGER_ZYGOTE=0 turns it off)
    scale_up_in_flight: int = 8  # in-flight requests per replica that add a replica (up to max_replicas)
    scale_down_after_s: float = 30.0  # calm this long before a replica added for load is removed
    hold_request_s: float = 10.0  # a request for a worker with no replica waits this long for one


class WarmupSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    timezone: str = "UTC"
    always_warm: list[str] = msgspec.field(default_factory=list)
    triggers: list[Trigger] = msgspec.field(default_factory=list)
    lead_minutes: int = 10  # start the trigger's workers this long before it
    hold_minutes: int = 60  # and keep them warm this long after
    forecast_min_requests: float = 3.0  # learned demand per hour that earns a warm-up


class AuthSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Staff sign-in. Client id and secret come only from the environment, never from this file."""

    mode: Literal["dev", "oidc"] = "dev"
    issuer: str = "https://accounts.google.com"
    allowed_domains: list[str] = msgspec.field(default_factory=lambda: ["gangerdermatology.com"])
    allowed_emails: list[str] = msgspec.field(default_factory=list)
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    roles: dict[str, list[str]] = msgspec.field(default_factory=dict)
    upstream: str | None = None  # where the sign-in service runs when this runtime does not start it


class ManifestDocument(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    workers: dict[str, WorkerSpec]
    platform: PlatformSection = PlatformSection()
    router: RouterSection = RouterSection()
    budgets: dict[Kind, Budgets] = msgspec.field(default_factory=dict)
    warmup: WarmupSection = WarmupSection()
    auth: AuthSection = AuthSection()
    runtime: RuntimeSection = RuntimeSection()
