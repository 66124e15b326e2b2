"""One bench run: start everything, load each path in turn, collect the figures, stop everything."""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import servers, streaming, wrk
from .procs import Launched, Pinning, RssSampler, cpu_seconds, rss_bytes, stop_all
from .results import Results, Row
from .servers import Endpoint
from .tools import Tools, ensure

CONNECTIONS = 32
LABELS = {
    "direct": "direct (same worker, TCP)",
    "nginx": "nginx → Unix socket",
    "router": "**our router** → Unix socket",
    "aiohttp": "aiohttp proxy → Unix socket",
    "router-staff": "our router, staff route with a session (cookie checked, identity signed)",
    "router-x2": "our router × 2 processes, SO_REUSEPORT, not pinned",
    "granian": "granian serving the app itself, TCP (server choice)",
    "real-direct": "platform worker `ganger-handouts-patient` GET /, direct",
    "real-router": "platform worker `ganger-handouts-patient` GET /, via our router",
}


@dataclass(frozen=True)
class Plan:
    throughput_s: int
    latency_s: int
    warmup_s: int
    rounds: int
    stream_mb: int


FULL = Plan(throughput_s=8, latency_s=5, warmup_s=2, rounds=3, stream_mb=200)
QUICK = Plan(throughput_s=2, latency_s=1, warmup_s=1, rounds=1, stream_mb=16)


@dataclass
class Load:
    """Accumulates the rounds of one endpoint."""

    endpoint: Endpoint
    worker: Launched | None
    best_rps: float = 0.0
    requests: int = 0
    seconds: float = 0.0
    proxy_cpu: float = 0.0
    worker_cpu: float = 0.0
    rss_idle: int = 0
    rss_peak: int = 0
    failures: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None

    def row(self, baseline: str = "direct") -> Row:
        per = 1e6 / self.requests if self.requests else 0.0
        has_proxy = bool(self.endpoint.pids)
        return Row(key=self.endpoint.key, label=LABELS[self.endpoint.key], rps=self.best_rps, requests=self.requests,
                   proxy_cpu_us=self.proxy_cpu * per if has_proxy else None,
                   proxy_busy=self.proxy_cpu / self.seconds if has_proxy and self.seconds else None,
                   worker_cpu_us=self.worker_cpu * per if self.worker else None,
                   p50_ms=self.p50_ms, p99_ms=self.p99_ms, rss_idle=self.rss_idle or None,
                   rss_peak=self.rss_peak or None, failures=self.failures, baseline=baseline)


class Bench:
    def __init__(self, tools: Tools, plan: Plan, pinning: Pinning) -> None:
        self.tools, self.plan, self.pinning = tools, plan, pinning
        self.notes: list[str] = []

    def wrk(self, endpoint: Endpoint, seconds: int, connections: int, latency: bool = False) -> wrk.WrkResult:
        return wrk.run(self.tools.wrk, endpoint.url, endpoint.host, connections=connections, seconds=seconds,
                       latency=latency, taskset=self.pinning.prefix("load"), headers=endpoint.headers)

    def prepare(self, load: Load) -> None:
        if load.endpoint.pids:
            load.rss_idle = rss_bytes(load.endpoint.pids)
        self.wrk(load.endpoint, self.plan.warmup_s, CONNECTIONS)

    def throughput(self, load: Load, seconds: int) -> None:
        pids = load.endpoint.pids
        worker = [load.worker.pid] if load.worker else []
        proxy_before, worker_before = cpu_seconds(pids), cpu_seconds(worker)
        with RssSampler(pids) as sampler:
            result = self.wrk(load.endpoint, seconds, CONNECTIONS)
        load.proxy_cpu += cpu_seconds(pids) - proxy_before
        load.worker_cpu += cpu_seconds(worker) - worker_before
        load.requests += result.requests
        load.seconds += result.seconds
        load.best_rps = max(load.best_rps, result.rps)
        load.rss_peak = max(load.rss_peak, sampler.peak if pids else 0)
        load.failures += result.failures
        if result.failures:
            self.notes.append(f"{LABELS[load.endpoint.key]}: {result.failures} failed or non-2xx responses "
                              f"at {CONNECTIONS} connections.")

    def latency(self, load: Load) -> None:
        result = self.wrk(load.endpoint, self.plan.latency_s, 1, latency=True)
        load.p50_ms, load.p99_ms = result.p50_ms, result.p99_ms

    def compare(self, loads: list[Load]) -> None:
        """Rounds in turn, so slow drift of a noisy machine hits every path alike."""
        for load in loads:
            self.prepare(load)
        for _ in range(self.plan.rounds):
            for load in loads:
                self.throughput(load, self.plan.throughput_s)
        for load in loads:
            self.latency(load)

    def single(self, load: Load) -> Load:
        self.prepare(load)
        self.throughput(load, self.plan.throughput_s)
        return load


def machine(tools: Tools) -> dict[str, str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "kernel": platform.release(),
            "python": platform.python_version(), **tools.versions()}


def load_average() -> float:
    """The 1-minute load average: how much else this shared machine was doing."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def run(plan: Plan, command: str) -> Results:
    """Everything is stopped on the way out, whatever happens in between."""
    tools = ensure()
    load_before = load_average()
    pinning = Pinning.detect()
    bench = Bench(tools, plan, pinning)
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(prefix="ganger-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # nginx's worker process runs as nobody and must reach the socket
        try:
            results = _run(bench, work, tools, plan, pinning, date, command)
        finally:
            stop_all()
    results.machine["load"] = f"{load_before:.1f} → {load_average():.1f}"
    return results


def _run(bench: Bench, work: Path, tools: Tools, plan: Plan, pinning: Pinning, date: str, command: str) -> Results:
    worker, uds, worker_port = servers.start_worker(work, pinning)
    real = _start_real_worker(bench, work, pinning)
    upstreams = {"bench": uds, **({"real": real[1]} if real else {})}
    manifest = servers.write_manifest(work, upstreams)
    router = servers.start_routers(work, pinning, manifest)
    nginx = servers.start_nginx(work, pinning, tools.nginx, uds)
    candidate = servers.start_aiohttp(work, pinning, uds)
    direct = Endpoint("direct", worker_port)
    _check_hello([direct, router, nginx, candidate])

    loads = [Load(e, worker) for e in (direct, nginx, router, candidate)]
    bench.compare(loads)
    time.sleep(0.5)
    bench.notes.append(f"Router RSS idle again after the load: {rss_bytes(router.pids) / 2**20:.1f} MB.")

    streams = [streaming.stream(direction, router.port, router.host, plan.stream_mb, router.pids)
               for direction in ("upload", "download")]
    bench.notes += [f"The {s.megabytes} MB {s.direction} through the router did not complete."
                    for s in streams if not s.ok]

    extra = [_two_routers(bench, work, manifest, worker)]
    staff = _staff_endpoint(bench, work, manifest, router)
    if staff:
        extra.insert(0, bench.single(Load(staff, worker)).row(baseline="router"))
    if tools.granian:
        granian = servers.start_granian(work, pinning, tools.granian)
        extra.append(bench.single(Load(granian, None)).row())
        granian.processes[0].stop()
    if real:
        real_worker, _, real_port = real
        real_direct = Endpoint("real-direct", real_port, host="handouts.localhost")
        real_router = Endpoint("real-router", router.port, host="real.localhost", processes=router.processes)
        extra.append(bench.single(Load(real_direct, real_worker)).row())
        extra.append(bench.single(Load(real_router, real_worker)).row(baseline="real-direct"))

    return Results(
        date=date, machine=machine(tools), command=command, pinning=pinning.describe(),
        settings={"throughput_s": plan.throughput_s, "latency_s": plan.latency_s, "rounds": plan.rounds},
        rows=[load.row() for load in loads], extra=extra, streams=streams, notes=bench.notes,
    )


def _check_hello(endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        status, body = servers.get(endpoint.port, endpoint.host, endpoint.path, headers=endpoint.headers)
        if status != 200 or body != b"Hello, world!":
            raise RuntimeError(f"{endpoint.key} answered {status} {body[:200]!r} instead of the hello page")


def _start_real_worker(bench: Bench, work: Path, pinning: Pinning) -> tuple[Launched, Path, int] | None:
    """The platform's own worker template (Starlette + the SDK), when it starts; optional."""
    try:
        return servers.start_worker(work, pinning, name="real-worker", app="apps.handouts_patient:app",
                                    env={"GANGER_MANIFEST": str(servers.ROOT / "platform.toml"),
                                         "GANGER_WORKER": "ganger-handouts-patient",
                                         "GANGER_DATA_DIR": str(work / "real-worker-data")})
    except RuntimeError as exc:
        bench.notes.append(f"The platform worker row was skipped: it did not start ({exc}).")
        return None


def _staff_endpoint(bench: Bench, work: Path, manifest: Path, router: Endpoint) -> Endpoint | None:
    """The staff catch-all on the same router process, signed in: the path staff traffic takes."""
    try:
        cookie = servers.staff_cookie(manifest, router, work)
        staff = Endpoint("router-staff", router.port, host="127.0.0.1", processes=router.processes,
                         headers={"Cookie": cookie})
        _check_hello([staff])
    except Exception as exc:  # noqa: BLE001 - an optional row must not sink the bench
        bench.notes.append(f"The signed-in staff row was skipped: {type(exc).__name__}: {exc}")
        return None
    return staff


def _two_routers(bench: Bench, work: Path, manifest: Path, worker: Launched) -> Row:
    pair = servers.start_routers(work, bench.pinning, manifest, count=2, role=None, name="router-x2")
    row = bench.single(Load(pair, worker)).row()
    for process in pair.processes:
        process.stop()
    return row
