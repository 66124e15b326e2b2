"""The seed's success metrics, target against what the platform measures now."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ganger.sdk import Manifest, MinuteDocument, PlatformState

from .summary import MB, platform_latency_ms

KB = 1024
# The seed's end-to-end targets, which have no budget in the manifest.
WORKER_RESPONSE_MS = 25.0
TOTAL_REQUEST_MS = 30.0
PLATFORM_MB = 10


@dataclass(frozen=True)
class Row:
    key: str
    metric: str
    target: str
    measured: str
    ok: bool | None  # None: not measured (yet)
    note: str = ""


def _latency_row(key: str, metric: str, limit: float, value: float | None) -> Row:
    if value is None:
        return Row(key, metric, f"< {limit:g} ms", "no requests yet", None)
    return Row(key, metric, f"< {limit:g} ms", f"{value:.2f} ms", value < limit, "p95, last hour")


def _bundle_rows(manifest: Manifest, report: dict[str, Any] | None) -> list[Row]:
    kinds = [("bundle-router", "Router bundle", "router"), ("bundle-staff", "Largest staff worker bundle", "staff"),
             ("bundle-patient", "Largest patient worker bundle", "patient")]
    budgets = {"router": manifest.router.bundle_kb,
               **{kind: min((w.budgets.bundle_kb for w in manifest.workers if w.kind == kind), default=0)
                  for kind in ("staff", "patient")}}
    if report is None:
        rows = [Row(key, metric, f"< {budgets[kind]} KB", "measuring…", None) for key, metric, kind in kinds]
        return rows + [Row("bundle-platform", "Platform bundles, total", f"< {PLATFORM_MB} MB", "measuring…", None)]
    rows = []
    for key, metric, kind in kinds:
        units = [u for u in report["units"] if u["kind"] == kind]
        if not units:
            rows.append(Row(key, metric, f"< {budgets[kind]} KB", "no such unit", None))
            continue
        largest = max(units, key=lambda u: u["bundle"]["compressed"])
        size = largest["bundle"]["compressed"]
        budget = largest["budget_kb"]
        rows.append(Row(key, metric, f"< {budget} KB", f"{size / KB:.1f} KB", size <= budget * KB,
                        "" if kind == "router" else largest["name"]))
    total = report["total"]
    rows.append(Row("bundle-platform", "Platform bundles, total", f"< {total['budget_kb'] // 1024} MB",
                    f"{total['compressed'] / KB:.1f} KB", total["compressed"] <= total["budget_kb"] * KB,
                    f"{report['compression']} compressed"))
    return rows


def success_rows(manifest: Manifest, state: PlatformState | None, history: dict[str, list[MinuteDocument]],
                 bundles: dict[str, Any] | None, now: float) -> list[dict[str, Any]]:
    rows = [_latency_row("routing", "Routing time (router's own)", manifest.router.slow_stage_ms,
                         platform_latency_ms(history, "router", 0.95, now))]
    rows += _bundle_rows(manifest, bundles)
    replicas = [(name, r) for name, w in (state.workers.items() if state else ()) for r in w.replicas
                if r.phase == "ready"]
    target_mb = min((w.budgets.memory_target_mb for w in manifest.workers), default=64)
    memory = [(r.rss_bytes, name) for name, r in replicas if r.rss_bytes]
    if memory:
        average = sum(m for m, _ in memory) / len(memory) / MB
        largest, largest_name = max(memory)
        rows.append(Row("memory", "Worker memory (average)", f"< {target_mb} MB", f"{average:.1f} MB",
                        average < target_mb, f"largest {largest / MB:.1f} MB ({largest_name})"))
    else:
        rows.append(Row("memory", "Worker memory (average)", f"< {target_mb} MB", "not sampled yet", None))
    target_ms = min((w.budgets.cold_start_ms for w in manifest.workers), default=200)
    starts = [((r.ready_at - r.started_at) * 1000, name) for name, r in replicas if r.ready_at and r.started_at]
    if starts:
        average = sum(s for s, _ in starts) / len(starts)
        slowest, slowest_name = max(starts)
        rows.append(Row("cold-start", "Worker cold start (average)", f"< {target_ms} ms", f"{average:.0f} ms",
                        average < target_ms, f"slowest {slowest:.0f} ms ({slowest_name})"))
    else:
        rows.append(Row("cold-start", "Worker cold start (average)", f"< {target_ms} ms", "no replica ready", None))
    rows.append(_latency_row("worker-response", "Worker response time", WORKER_RESPONSE_MS,
                             platform_latency_ms(history, "worker", 0.95, now)))
    rows.append(_latency_row("total-time", "Total request time", TOTAL_REQUEST_MS,
                             platform_latency_ms(history, "total", 0.95, now)))
    return [asdict(row) for row in rows]
