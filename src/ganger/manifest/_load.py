"""Read platform.toml, validate it completely, and fail with the file and line of the first problem."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any

import msgspec

from ..errors import ManifestError
from ._locate import locate
from ._model import Manifest, Worker
from ._schema import (
    AuthSection,
    Budgets,
    ManifestDocument,
    PlatformSection,
    RouterSection,
    RuntimeSection,
    WarmupSection,
    WorkerSpec,
)

AUTH_PREFIX = "/auth"
_WORKER_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_PREFIX = re.compile(r"^/(?:[a-z0-9][a-z0-9._~-]*(?:/[a-z0-9][a-z0-9._~-]*)*)?$")
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_MSGSPEC_LOCATION = re.compile(r"at `\$((?:\.[A-Za-z0-9_\-]+|\[[^\]]+\])*)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def load_manifest(path: str | Path, *, check_modules: bool = True) -> Manifest:
    """Load and validate the manifest at `path`.

    `check_modules` confirms that every worker's entry module can be found (without importing it),
    so a typo fails at start rather than when the first request arrives.
    """
    file = Path(path)
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror}", path=str(file)) from exc
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"not valid TOML: {exc}", path=str(file)) from exc
    document = _convert(raw, source, str(file))
    return _resolve(document, source, str(file), check_modules=check_modules)


def _convert(raw: dict[str, Any], source: str, file: str) -> ManifestDocument:
    """Convert section by section so an error message can name the table it came from."""
    sections: dict[str, type[msgspec.Struct]] = {
        "platform": PlatformSection,
        "router": RouterSection,
        "warmup": WarmupSection,
        "auth": AuthSection,
        "runtime": RuntimeSection,
    }
    for name in raw:
        if name not in {*sections, "workers", "budgets"}:
            raise ManifestError(f"unknown table [{name}]", path=file, line=locate(source, (name,)))
    if "workers" not in raw or not isinstance(raw["workers"], dict) or not raw["workers"]:
        raise ManifestError("the manifest declares no [workers.<name>] tables", path=file)
    for name, struct in sections.items():
        if name in raw:
            _convert_one(raw[name], struct, (name,), source, file)
    for kind, budget in raw.get("budgets", {}).items():
        if kind not in ("staff", "patient"):
            raise ManifestError(
                f"unknown worker kind {kind!r} in [budgets] (expected staff or patient)",
                path=file,
                line=locate(source, ("budgets", kind)),
            )
        _convert_one(budget, Budgets, ("budgets", kind), source, file)
    for name, spec in raw["workers"].items():
        _convert_one(spec, WorkerSpec, ("workers", name), source, file)
    return msgspec.convert(raw, ManifestDocument)


def _convert_one(value: Any, struct: type[msgspec.Struct], table: tuple[str, ...], source: str, file: str) -> None:
    try:
        msgspec.convert(value, struct)
    except msgspec.ValidationError as exc:
        message = str(exc)
        unknown = _UNKNOWN_FIELD.search(message)
        where = _MSGSPEC_LOCATION.search(message)
        key: str | None = None
        inner = table
        if where and where.group(1):
            parts = [p.strip("[]'\"") for p in re.findall(r"\.[^.\[]+|\[[^\]]+\]", where.group(1))]
            parts = [p.lstrip(".") for p in parts]
            inner = table + tuple(parts[:-1])
            key = parts[-1]
        if unknown:
            key = unknown.group(1)
            message = f"unknown key {key!r} in [{'.'.join(inner)}]"
        else:
            message = f"invalid value in [{'.'.join(table)}]: {message}"
        raise ManifestError(message, path=file, line=locate(source, inner, key)) from exc


def _resolve(doc: ManifestDocument, source: str, file: str, *, check_modules: bool) -> Manifest:
    def fail(message: str, table: tuple[str, ...], key: str | None = None) -> ManifestError:
        return ManifestError(message, path=file, line=locate(source, table, key))

    defaults = {"staff": Budgets(), "patient": Budgets(bundle_kb=300)}
    defaults.update(doc.budgets)
    seen_routes: dict[tuple[str | None, str], str] = {}
    workers: list[Worker] = []
    for name, spec in doc.workers.items():
        table = ("workers", name)
        if not _WORKER_NAME.match(name):
            raise fail(f"worker name {name!r} must be lowercase letters, digits and '-'", table)
        prefix = spec.prefix.lower()
        if prefix != "/" and prefix.endswith("/"):
            prefix = prefix.rstrip("/")
        if not _PREFIX.match(prefix):
            raise fail(f"prefix {spec.prefix!r} must be '/' or '/segment[/segment…]' without dot segments", table, "prefix")
        host = spec.host.lower() if spec.host else None
        if spec.kind == "staff" and host is not None:
            raise fail("a staff worker is served on the staff hosts; remove 'host'", table, "host")
        if spec.kind == "patient":
            if host is None:
                raise fail("a patient worker needs 'host' (the subdomain it answers on)", table)
            if not _HOST_LABEL.match(host):
                raise fail(f"host {spec.host!r} must be one DNS label, e.g. \"handouts\"", table, "host")
        maximum = spec.max_replicas if spec.max_replicas is not None else max(spec.min_replicas, 1)
        if spec.min_replicas < 0:
            raise fail("min_replicas cannot be negative", table, "min_replicas")
        if maximum < max(spec.min_replicas, 1):
            raise fail("max_replicas must be at least min_replicas and at least 1", table, "max_replicas")
        if ":" not in spec.entry:
            raise fail(f"entry {spec.entry!r} must be 'package.module:attribute'", table, "entry")
        if check_modules and spec.upstream is None and module_location(spec.entry.partition(":")[0], Path(file).resolve().parent) is None:
            raise fail(f"entry module {spec.entry.partition(':')[0]!r} cannot be found", table, "entry")
        route = (host, prefix)
        if route in seen_routes:
            raise fail(
                f"prefix {prefix!r}{' on host ' + host if host else ''} is already used by {seen_routes[route]}",
                table,
                "prefix" if spec.prefix != "/" or host is None else "host",
            )
        seen_routes[route] = name
        overrides = {k: v for k, v in msgspec.structs.asdict(spec.budgets).items() if v is not None}
        budgets = msgspec.structs.replace(defaults[spec.kind], **overrides)
        workers.append(
            Worker(
                name=name,
                kind=spec.kind,
                description=spec.description,
                entry=spec.entry,
                host=host,
                prefix=prefix,
                auth_required=spec.auth_required if spec.auth_required is not None else spec.kind == "staff",
                min_replicas=spec.min_replicas,
                max_replicas=maximum,
                idle_timeout_s=spec.idle_timeout_s,
                redirect_bare_prefix=spec.redirect_bare_prefix,
                upstream=spec.upstream,
                budgets=budgets,
                profile=spec.profile,
                roles=tuple(spec.roles),
                websocket=spec.websocket,
            )
        )
        if prefix == AUTH_PREFIX and host is None:
            raise fail(f"prefix {AUTH_PREFIX!r} is reserved for staff sign-in", table, "prefix")
    if not any(w.kind == "staff" and w.prefix == "/" for w in workers):
        raise ManifestError("no staff worker has prefix '/': unmatched staff paths would have nowhere to go", path=file)
    names = {w.name for w in workers}
    for name in doc.warmup.always_warm:
        if name not in names:
            raise fail(f"always_warm names {name!r}, which is not a worker", ("warmup",), "always_warm")
    for trigger in doc.warmup.triggers:
        if not _CLOCK.match(trigger.at):
            raise fail(f"trigger {trigger.name!r} time {trigger.at!r} must be HH:MM", ("warmup",), "triggers")
        for name in trigger.workers or []:
            if name not in names:
                raise fail(f"trigger {trigger.name!r} names {name!r}, which is not a worker", ("warmup",), "triggers")
    try:
        zoneinfo.ZoneInfo(doc.warmup.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(f"unknown time zone {doc.warmup.timezone!r}", ("warmup",), "timezone") from exc
    if doc.router.processes < 1:
        raise fail("router processes must be at least 1", ("router",), "processes")
    for key in ("max_request_line_bytes", "max_header_bytes", "header_timeout_s", "body_idle_timeout_s",
                "keep_alive_idle_s"):
        if getattr(doc.router, key) <= 0:
            raise fail(f"router {key} must be greater than 0", ("router",), key)
    for worker in workers:
        if worker.budgets.max_body_mb < 0:
            raise fail("max_body_mb cannot be negative", ("workers", worker.name), "budgets")
    known_roles = {"staff", *doc.auth.roles}
    for worker in workers:
        for role in worker.roles:
            if role not in known_roles:
                raise fail(f"role {role!r} is not 'staff' nor declared in [auth.roles]", ("workers", worker.name), "roles")
    return Manifest(
        path=Path(file).resolve(),
        platform=doc.platform,
        router=doc.router,
        warmup=doc.warmup,
        auth=doc.auth,
        runtime=doc.runtime,
        workers=tuple(workers),
        services=(_auth_service(defaults["staff"], doc.auth.upstream),),
    )


def _auth_service(budgets: Budgets, upstream: str | None) -> Worker:
    """Sign-in runs as its own process, so the router never holds OIDC client secrets or libraries.

    Its CPU budget is larger: a sign-in verifies an RSA signature and loads the provider's keys,
    and happens once per session, not once per page."""
    budgets = msgspec.structs.replace(budgets, cpu_ms=max(budgets.cpu_ms, 1000))
    return Worker(
        name="ganger-auth", kind="staff", description="Staff Sign-in", entry="ganger.auth.app:app", host=None,
        prefix=AUTH_PREFIX, auth_required=False, min_replicas=1, max_replicas=1, idle_timeout_s=900.0,
        redirect_bare_prefix=True, upstream=upstream,
        budgets=budgets, profile=None,
    )


def module_location(module: str, root: Path) -> Path | None:
    """Where `module`'s code is: looked up beside the manifest first, then on sys.path.

    Never imports and never changes sys.path: a process that loads several manifests (tests, the
    deploy command) must not find one tree's `apps` package when it asks about another's."""
    parts = module.split(".")
    base = root.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (root / parts[0]).exists():
        return None  # the package is beside the manifest, and this module is not in it
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin
