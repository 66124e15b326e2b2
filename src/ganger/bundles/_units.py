"""What gets a bundle: every worker in the manifest that runs here, and the router as its own unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import GangerError
from ..manifest import Manifest, Worker
from ._closure import SHARED_BASE
from ._imports import app_package

ROUTER_MODULE = "ganger.router.server"
ROUTER_ALIAS = "router"


class UnknownUnitError(GangerError):
    """A name given on the command line is neither a worker nor the router."""


@dataclass(frozen=True, slots=True)
class Unit:
    """`imports` are imported in order by the probe; `package` is the unit's own code.

    `own_prefix` widens "own code" to every module under it that the unit loads: the router
    ships the platform modules it imports, where a worker gets them from the shared base.
    """

    name: str
    kind: str
    entry_module: str
    package: str
    budget_kb: int
    imports: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    own_prefix: str | None = None

    def owns(self, module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in (self.package, self.own_prefix) if p)


def select_units(manifest: Manifest, names: Sequence[str] = ()) -> list[Unit]:
    """All units when `names` is empty; otherwise those named (a worker name, the router's name or "router")."""
    every = [_worker_unit(w) for w in manifest.workers if w.upstream is None] + [_router_unit(manifest)]
    if not names:
        return every
    by_name = {unit.name: unit for unit in every} | {ROUTER_ALIAS: every[-1]}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UnknownUnitError(f"no worker or router named {', '.join(map(repr, unknown))} in {manifest.path}")
    return list({by_name[name].name: by_name[name] for name in names}.values())


def _worker_unit(worker: Worker) -> Unit:
    module = worker.module
    return Unit(
        name=worker.name,
        kind=worker.kind,
        entry_module=module,
        package=app_package(module) or module.partition(".")[0],
        budget_kb=worker.budgets.bundle_kb,
        imports=(*SHARED_BASE, module),
        env={"GANGER_WORKER": worker.name},
    )


def _router_unit(manifest: Manifest) -> Unit:
    return Unit(
        name=manifest.router.name,
        kind="router",
        entry_module=ROUTER_MODULE,
        package=ROUTER_MODULE.rpartition(".")[0],
        budget_kb=manifest.router.bundle_kb,
        imports=(ROUTER_MODULE,),
        own_prefix="ganger",
    )
