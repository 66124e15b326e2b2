"""`python -m bench.coldstart`: worker cold start, replica memory and router start-up.

Cold start is measured as a user meets it: the time from a request arriving for a worker with
no replica to its response, through the router, 30 times, with the zygote (fork server) and
without it (`GANGER_ZYGOTE=0`: a new interpreter per replica). Memory: USS/PSS/RSS of every
replica of the real platform at idle. Router: from spawning the process to its first answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from ganger.control import fetch_state
from tests.support.platform import ROOT, RunningPlatform, free_port, start_platform

from .report import replace_section

MANIFEST = """
[platform]
environment = "test"
staff_hosts = ["localhost"]
patient_domains = ["localhost"]

[workers.ganger-staff-management]
kind = "staff"
prefix = "/"
description = "Staff Management Portal"
entry = "apps.staff_management:app"

[workers.ganger-kiosk-patient]
kind = "patient"
host = "kiosk"
description = "Patient Self Check-in"
entry = "apps.kiosk_patient:app"
min_replicas = 0
idle_timeout_s = 0.3
"""


def _state(platform: RunningPlatform):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock"))


def cold_starts(zygote: bool, count: int) -> list[float]:
    """Seconds from request to response for `count` requests, each to a worker scaled to zero."""
    folder = Path(tempfile.mkdtemp(prefix="ganger-coldstart-"))
    manifest = folder / "platform.toml"
    manifest.write_text(MANIFEST)
    (folder / "apps").symlink_to(ROOT / "apps")
    platform = start_platform(folder / "data", manifest=manifest, env={"GANGER_ZYGOTE": "1" if zygote else "0"})
    timings: list[float] = []
    try:
        for _ in range(count):
            deadline = time.monotonic() + 30
            while _state(platform).workers["ganger-kiosk-patient"].phase != "idle" and time.monotonic() < deadline:
                time.sleep(0.05)
            started = time.perf_counter()
            response = platform.request("GET", "/", host="kiosk.localhost")
            timings.append(time.perf_counter() - started)
            assert response.status == 200, response.status
    finally:
        platform.stop()
    return timings


def replica_memory() -> list[tuple[str, float, float, float]]:
    """(worker, USS MB, PSS MB, RSS MB) of every replica of the real platform, idle."""
    with tempfile.TemporaryDirectory(prefix="ganger-memory-") as data:
        platform = start_platform(Path(data))
        try:
            time.sleep(2)
            rows = []
            for name, worker in sorted(_state(platform).workers.items()):
                for replica in worker.replicas:
                    if replica.pid:
                        info = psutil.Process(replica.pid).memory_full_info()
                        rows.append((name, info.uss / 2**20, info.pss / 2**20, info.rss / 2**20))
            return rows
        finally:
            platform.stop()


def router_start(count: int) -> list[float]:
    """Seconds from spawning a router process to its first answer on /health."""
    timings = []
    for _ in range(count):
        port = free_port()
        with tempfile.TemporaryDirectory() as data:
            env = dict(os.environ, GANGER_PORT=str(port), GANGER_DATA_DIR=data,
                       GANGER_MANIFEST=str(ROOT / "platform.toml"))
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "ganger.router.server"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while True:
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                            if sock.recv(12).startswith(b"HTTP/1.1 200"):
                                break
                    except OSError:
                        time.sleep(0.002)
                timings.append(time.perf_counter() - started)
            finally:
                process.terminate()
                process.wait()
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def render(forked: list[float], execed: list[float], memory: list[tuple[str, float, float, float]],
           router: list[float], command: str) -> str:
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    staff_uss = [uss for name, uss, _, _ in memory if name not in ("ganger-auth",)]
    lines = [
        "## Cold start, replica memory, router start-up",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `{command}` on {os.cpu_count()} cores.",
        "Cold start = from a request arriving for a worker with no replica (scaled to zero) to its response,",
        "through the router, measured by the client; the worker is `apps.kiosk_patient` on the worker template.",
        "",
        "| cold start | runs | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
        f"| fork server (zygote) | {len(forked)} | {ms(statistics.median(forked))} | {ms(_percentile(forked, 0.95))} "
        f"| {ms(max(forked))} |",
        f"| new interpreter per replica (`GANGER_ZYGOTE=0`) | {len(execed)} | {ms(statistics.median(execed))} "
        f"| {ms(_percentile(execed, 0.95))} | {ms(max(execed))} |",
        "",
        f"Targets: worker cold start p50 ≤ 30 ms from the fork server: **{ms(statistics.median(forked))}** "
        f"({'met' if statistics.median(forked) <= 0.030 else 'not met'}); the seed's 180 ms and < 200 ms: "
        f"{'met' if _percentile(forked, 0.95) < 0.2 else 'not met'} at p95. "
        f"The fork server saves {ms(statistics.median(execed) - statistics.median(forked))} per cold start "
        f"({statistics.median(execed) / statistics.median(forked):.1f}× faster).",
        "",
        f"Router start to first response (`python -m ganger.router.server`, {len(router)} runs): "
        f"p50 {ms(statistics.median(router))}, max {ms(max(router))} — target ≤ 100 ms: "
        f"**{'met' if statistics.median(router) <= 0.1 else 'not met'}**.",
        "",
        "Memory of every replica of the real platform (`platform.toml`), idle, forked from the zygote:",
        "",
        "| worker | USS MB | PSS MB | RSS MB |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {uss:.1f} | {pss:.1f} | {rss:.1f} |" for name, uss, pss, rss in memory],
        "",
        f"USS (memory unique to the replica) median {statistics.median(staff_uss):.1f} MB, max {max(staff_uss):.1f} MB "
        f"— target ≤ 20 MB unique per idle staff worker: "
        f"**{'met' if statistics.median(staff_uss) <= 20 else 'not met'}** (median). PSS counts the shared base once "
        "across all replicas; RSS counts it in full in each.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    forked = cold_starts(zygote=True, count=args.runs)
    execed = cold_starts(zygote=False, count=args.runs)
    memory = replica_memory()
    router = router_start(10)
    section = render(forked, execed, memory, router, "make bench" if args.runs == 30 else
                     f"python -m bench.coldstart --runs {args.runs}")
    print(section)
    if args.write:
        path = ROOT / "docs" / "benchmarks.md"
        path.write_text(replace_section(path.read_text(), "coldstart", section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
