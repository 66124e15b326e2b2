"""The issue's targets for the router, judged against baselines measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Results

MB = 1024 * 1024
CPU_VS_NGINX = 2.0
ADDED_P50_MS = 0.3
THROUGHPUT_VS_DIRECT = 0.5
IDLE_RSS_MB = 30.0
FLAT_GROWTH_MB = 5.0


@dataclass(frozen=True)
class Verdict:
    target: str
    figure: str
    met: bool | None  # None: not measured in this run


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def judge(results: Results) -> list[Verdict]:
    direct, nginx, router = results.row("direct"), results.row("nginx"), results.row("router")
    verdicts: list[Verdict] = []

    cpu = _ratio(router and router.proxy_cpu_us, nginx and nginx.proxy_cpu_us)
    verdicts.append(Verdict(f"router CPU per proxied request ≤ {CPU_VS_NGINX:g}× nginx's",
                            f"{cpu:.2f}× ({router.proxy_cpu_us:.0f} µs vs {nginx.proxy_cpu_us:.0f} µs)"
                            if cpu is not None and router and nginx else "not measured",
                            None if cpu is None else cpu <= CPU_VS_NGINX))

    staff = results.row("router-staff")
    staff_cpu = _ratio(staff and staff.proxy_cpu_us, nginx and nginx.proxy_cpu_us)
    if staff_cpu is not None and staff and nginx:
        verdicts.append(Verdict("the same, on a signed-in staff route (session checked, identity signed)",
                                f"{staff_cpu:.2f}× ({staff.proxy_cpu_us:.0f} µs vs {nginx.proxy_cpu_us:.0f} µs)",
                                staff_cpu <= CPU_VS_NGINX))

    added = (router.p50_ms - direct.p50_ms) if router and direct and router.p50_ms is not None \
        and direct.p50_ms is not None else None
    verdicts.append(Verdict(f"added p50 at 1 connection ≤ {ADDED_P50_MS:g} ms",
                            f"{added:+.3f} ms" if added is not None else "not measured",
                            None if added is None else added <= ADDED_P50_MS))

    share = _ratio(router and router.rps, direct and direct.rps)
    verdicts.append(Verdict(f"throughput through the router ≥ {THROUGHPUT_VS_DIRECT:g}× direct (32 connections)",
                            f"{share:.2f}×" if share is not None else "not measured",
                            None if share is None else share >= THROUGHPUT_VS_DIRECT))

    idle = router.rss_idle / MB if router and router.rss_idle else None
    verdicts.append(Verdict(f"router RSS idle ≤ {IDLE_RSS_MB:g} MB",
                            f"{idle:.1f} MB" if idle is not None else "not measured",
                            None if idle is None else idle <= IDLE_RSS_MB))

    growths = []
    if router and router.rss_idle and router.rss_peak:
        growths.append(("32-connection load", router.rss_peak - router.rss_idle))
    growths += [(f"{s.megabytes} MB {s.direction}", s.growth) for s in results.streams]
    worst = max(growths, key=lambda g: g[1]) if growths else None
    flat_ok = worst is not None and worst[1] / MB <= FLAT_GROWTH_MB and all(s.ok for s in results.streams)
    verdicts.append(Verdict(f"router RSS flat under load (peak ≤ idle + {FLAT_GROWTH_MB:g} MB)",
                            f"largest growth {worst[1] / MB:+.1f} MB ({worst[0]})" if worst else "not measured",
                            None if worst is None else flat_ok))
    return verdicts
