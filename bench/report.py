"""Write a run's figures as the router section of docs/benchmarks.md (and nothing else of that file)."""

from __future__ import annotations

from pathlib import Path

from .results import Results, Row
from .targets import MB, Verdict, judge

SECTION = "router"
INTRO = """\
# Benchmarks

Measured figures for the platform, each section written by the benchmark that produced it.
Regenerate a section with its command; text between a section's markers is replaced on every run.
"""


def _num(value: float | None, fmt: str, none: str = "–") -> str:
    return format(value, fmt) if value is not None else none


def _mb(value: int | None) -> str:
    return f"{value / MB:.1f}" if value else "–"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "–"


def _main_table(results: Results) -> list[str]:
    direct, nginx = results.row("direct"), results.row("nginx")
    lines = [
        "| path to the worker | req/s (32 conn.) | × direct | p50 (1 conn.) | p99 (1 conn.) | added p50 "
        "| proxy CPU µs/req | × nginx CPU | proxy core busy | worker CPU µs/req | proxy RSS idle → peak (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results.rows:
        added = (row.p50_ms - direct.p50_ms) if direct and row is not direct and row.p50_ms is not None \
            and direct.p50_ms is not None else None
        rss = f"{_mb(row.rss_idle)} → {_mb(row.rss_peak)}" if row.rss_idle else "–"
        lines.append(
            f"| {row.label} | {row.rps:,.0f} | {_ratio(row.rps, direct.rps if direct else None)} "
            f"| {_num(row.p50_ms, '.3f')} ms | {_num(row.p99_ms, '.3f')} ms "
            f"| {_num(added, '+.3f', '–')}{' ms' if added is not None else ''} "
            f"| {_num(row.proxy_cpu_us, '.0f')} | {_ratio(row.proxy_cpu_us, nginx.proxy_cpu_us if nginx else None)} "
            f"| {_num(row.proxy_busy and row.proxy_busy * 100, '.0f')}{'%' if row.proxy_busy else ''} "
            f"| {_num(row.worker_cpu_us, '.0f')} | {rss} |"
        )
    return lines


def _extra_table(results: Results) -> list[str]:
    if not results.extra:
        return []
    lines = ["| extra row | req/s (32 conn.) | × its baseline | CPU µs/req (proxy, or server) | worker CPU µs/req |",
             "|---|---:|---:|---:|---:|"]
    for row in results.extra:
        base = results.row(row.baseline)
        lines.append(f"| {row.label} | {row.rps:,.0f} | {_ratio(row.rps, base.rps if base else None)} "
                     f"(vs {base.label if base else row.baseline}) | {_num(row.proxy_cpu_us, '.0f')} "
                     f"| {_num(row.worker_cpu_us, '.0f')} |")
    return lines


def _stream_table(results: Results) -> list[str]:
    if not results.streams:
        return []
    lines = ["| through the router | MB/s | router RSS before → peak → after (MB) | complete |",
             "|---|---:|---:|---|"]
    for s in results.streams:
        lines.append(f"| {s.megabytes} MB {s.direction} | {s.mb_per_s:,.0f} "
                     f"| {_mb(s.rss_before)} → {_mb(s.rss_peak)} → {_mb(s.rss_after)} | {'yes' if s.ok else 'NO'} |")
    return lines


def _verdict_table(verdicts: list[Verdict]) -> list[str]:
    lines = ["| target | this run | met |", "|---|---|---|"]
    for v in verdicts:
        met = "yes" if v.met else "not measured" if v.met is None else "**no**"
        lines.append(f"| {v.target} | {v.figure} | {met} |")
    return lines


def why(results: Results, verdicts: list[Verdict]) -> str:
    """The "why this router" paragraph, argued from this run's numbers only."""
    router, nginx, cand, direct = (results.row(k) for k in ("router", "nginx", "aiohttp", "direct"))
    if not (router and nginx and direct and router.proxy_cpu_us and nginx.proxy_cpu_us):
        return "Not enough rows were measured in this run to argue for or against the router."
    parts = [
        f"Per proxied request the router spent {router.proxy_cpu_us:.0f} µs of CPU, "
        f"{router.proxy_cpu_us / nginx.proxy_cpu_us:.1f}× nginx's {nginx.proxy_cpu_us:.0f} µs"
    ]
    if cand and cand.proxy_cpu_us:
        factor = cand.proxy_cpu_us / router.proxy_cpu_us
        parts[0] += (f" and {factor:.1f}× less than the aiohttp proxy's {cand.proxy_cpu_us:.0f} µs"
                     if factor >= 1 else f", more than the aiohttp proxy's {cand.proxy_cpu_us:.0f} µs")
    parts[0] += "."
    parts.append(f"At 32 connections it passed {router.rps / direct.rps:.2f}× the direct throughput "
                 f"(nginx {nginx.rps / direct.rps:.2f}×"
                 + (f", aiohttp {cand.rps / direct.rps:.2f}×" if cand else "") + ").")
    staff = results.row("router-staff")
    if staff and staff.proxy_cpu_us:
        parts.append(f"A signed-in staff request, whose session cookie is verified and whose identity is signed "
                     f"for the worker, cost {staff.proxy_cpu_us:.0f} µs "
                     f"({staff.proxy_cpu_us / nginx.proxy_cpu_us:.1f}× nginx's plain proxying, which does neither).")
    if router.p50_ms is not None and direct.p50_ms is not None and nginx.p50_ms is not None:
        parts.append(f"At one connection it added {router.p50_ms - direct.p50_ms:.3f} ms to the median "
                     f"(nginx {nginx.p50_ms - direct.p50_ms:.3f} ms).")
    missed = [v.target for v in verdicts if v.met is False]
    if not missed:
        parts.append("Every target is met, so the router keeps routing, identity and the platform's headers in "
                     "one Python process of our own at a cost close to nginx's, with no second proxy to run.")
    else:
        parts.append("Targets not met in this run: " + "; ".join(missed) + ". "
                     "The router still does the platform's own routing, identity and headers, which nginx would "
                     "need a second component for; the misses are what to work on, not a reason to add a layer.")
    return " ".join(parts)


def render(results: Results) -> str:
    """The section body (without markers)."""
    verdicts = judge(results)
    m = results.machine
    s = results.settings
    lines = [
        "## Router (Layer 1): direct, nginx, our router, an aiohttp proxy",
        "",
        f"Run {results.date} with `{results.command}` on {m.get('nproc', '?')} cores ({m.get('cpu', '?')}), "
        f"Linux {m.get('kernel', '?')}, Python {m.get('python', '?')}, {m.get('nginx', 'nginx')}, "
        f"{m.get('wrk', 'wrk')}. A shared, noisy machine (1-minute load average {m.get('load', '?')} from start "
        f"to end of the run, on {m.get('nproc', '?')} cores): compare rows of the same run, not across runs.",
        "",
        f"- Upstream: a hello-world ASGI app (no framework) under uvicorn (httptools, uvloop) on a Unix socket; "
        f"every proxy reaches that same worker. wrk cannot speak Unix sockets, so **direct** is the same worker "
        f"process on a second, loopback TCP listener.",
        f"- Pinning: {results.pinning}.",
        f"- Throughput: `wrk -t1 -c32 -d{s['throughput_s']:g}s`, best of {s['rounds']:g} rounds run in turn; "
        f"latency: `wrk -t1 -c1 -d{s['latency_s']:g}s --latency`. Every response was checked to be 200 first.",
        "- CPU: utime+stime of the proxy's process tree (children included) from /proc/<pid>/stat, before and "
        "after each throughput round, summed over the rounds and divided by the requests completed; the worker's "
        "the same way. Extra rows: one round each, after the main rows.",
        "- RSS: VmRSS of the proxy's processes after start (idle) and sampled every 20 ms under load (peak).",
        "- Logging: nginx with `access_log off`; the router as it ships, writing its JSON access line per request "
        "to stderr (a file in the temp folder here).",
        "- Proxy core busy: the proxy's CPU seconds over the wall time of its 32-connection runs. Below 100% "
        "means the proxy was not what limited throughput: each proxied request also crosses between the "
        "two cores twice, which the direct row (wrk and worker on one core) does not, and other work on the "
        "machine takes its share.",
        "",
        *_main_table(results),
        "",
    ]
    extra = _extra_table(results)
    if extra:
        lines += [*extra, ""]
    stream = _stream_table(results)
    if stream:
        lines += ["Large bodies through the router, one at a time:", "", *stream, ""]
    lines += ["### Targets", "", *_verdict_table(verdicts), "", "### Why this router", "", why(results, verdicts), ""]
    if results.notes:
        lines += ["Notes from this run:", "", *[f"- {n}" for n in results.notes], ""]
    return "\n".join(lines)


def replace_section(document: str, name: str, body: str) -> str:
    """`document` with the text between `<!-- bench:<name>:start -->` and its end marker replaced (or appended)."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    head, found, rest = document.partition(start)
    if found and end in rest:
        return head + block + rest.partition(end)[2]
    return document.rstrip() + "\n\n" + block + "\n"


def write(path: Path, results: Results) -> None:
    document = path.read_text() if path.exists() else INTRO
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, SECTION, render(results)))
