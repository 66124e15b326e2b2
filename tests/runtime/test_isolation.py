"""A fault in one worker stays in that worker: the others see no error and no latency jump.

Each test runs traffic to two other workers while the victim misbehaves, and asserts the
victim's answer, its recovery, and the others' error count (zero). With ISOLATION_REPORT=path,
the figures of the run are written there as JSON (docs/isolation.md quotes one run).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ganger.control import fetch_state
from tests.support.platform import ROOT, Response, RunningPlatform, start_platform

MANIFEST = ROOT / "tests" / "support" / "fault_platform.toml"
FIGURES: dict[str, dict[str, object]] = {}


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_platform(Path(tmp_path_factory.mktemp("faults")), manifest=MANIFEST)
    yield running
    running.stop()
    if os.environ.get("ISOLATION_REPORT"):
        Path(os.environ["ISOLATION_REPORT"]).write_text(json.dumps(FIGURES, indent=2))


class Bystanders:
    """Steady traffic to the workers that must not notice, with every error and latency kept."""

    def __init__(self, platform: RunningPlatform) -> None:
        self.platform = platform
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(host, path)) for host, path in
                        (("calm.localhost", "/api/work?ms=2"), ("other.localhost", "/x"))]

    def run(self, host: str, path: str) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status = self.platform.request("GET", path, host=host, timeout=10).status
            except OSError as exc:
                self.errors.append(f"{host}: {exc}")
                continue
            self.latencies.append(time.monotonic() - started)
            if status != 200:
                self.errors.append(f"{host}: {status}")
            time.sleep(0.01)

    def __enter__(self) -> Bystanders:
        for thread in self.threads:
            thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def figures(self) -> dict[str, object]:
        ordered = sorted(self.latencies)
        return {"requests": len(ordered), "errors": len(self.errors),
                "p50_ms": round(statistics.median(ordered) * 1000, 2),
                "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


def fault_state(platform: RunningPlatform):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_state(platform.data_dir / "run" / "control.sock")).workers["fault"]


def fault_pid(platform: RunningPlatform) -> int:
    return next(r.pid for r in fault_state(platform).replicas if r.phase == "ready" and r.pid)


def settled_fault_pid(platform: RunningPlatform) -> int:
    """The fault worker's one replica, once any replacement from an earlier test has finished."""
    eventually(lambda: [r.phase for r in fault_state(platform).replicas] == ["ready"])
    return fault_pid(platform)


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def fault_answers(platform: RunningPlatform) -> bool:
    try:
        return platform.request("GET", "/api/ok", host="fault.localhost", timeout=3).status == 200
    except OSError:
        return False


def assert_untouched(bystanders: Bystanders, name: str, **figures: object) -> None:
    FIGURES[name] = {**figures, "others": bystanders.figures()}
    assert bystanders.errors == []
    assert bystanders.figures()["max_ms"] < 1000  # type: ignore[operator]


def test_cpu_loop_is_stopped_with_503_and_the_worker_keeps_serving(faults: RunningPlatform) -> None:
    with Bystanders(faults) as others:
        started = time.monotonic()
        response = faults.request("GET", "/api/spin", host="fault.localhost")
        answered = time.monotonic() - started
        assert response.status == 503
        assert "exceeded its CPU limit" in json.loads(response.body)["message"]
        assert response.header("x-ganger-limit") is None  # internal: between worker and runtime
        assert fault_answers(faults)
    assert_untouched(others, "cpu loop", victim_status=503, answered_after_s=round(answered, 3))
    assert answered < 2.0


def test_worker_that_keeps_exceeding_its_cpu_limit_is_recycled(faults: RunningPlatform) -> None:
    before = settled_fault_pid(faults)
    with Bystanders(faults) as others:
        for _ in range(3):
            assert faults.request("GET", "/api/spin", host="fault.localhost").status == 503
        recovered = eventually(lambda: fault_pid(faults) != before and fault_answers(faults))
    assert fault_state(faults).recycles >= 1
    assert_untouched(others, "cpu recycle", recovered_after_s=round(recovered, 3))


def test_unbounded_allocation_is_stopped_and_the_replica_replaced(faults: RunningPlatform) -> None:
    before = settled_fault_pid(faults)
    with Bystanders(faults) as others:
        response = faults.request("GET", "/api/hog", host="fault.localhost", timeout=30)
        assert response.status == 503
        assert "exceeded its memory limit" in json.loads(response.body)["message"]
        recovered = eventually(lambda: fault_pid(faults) != before and fault_answers(faults))
    assert_untouched(others, "unbounded allocation", victim_status=503, recovered_after_s=round(recovered, 3))


def test_worker_killed_mid_request_answers_502_and_comes_back(faults: RunningPlatform) -> None:
    victim = settled_fault_pid(faults)
    answers: list[Response] = []
    with Bystanders(faults) as others:
        request = threading.Thread(target=lambda: answers.append(
            faults.request("GET", "/api/slow?s=3", host="fault.localhost")))
        request.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        request.join()
        recovered = eventually(lambda: fault_answers(faults))
    assert [a.status for a in answers] == [502], answers[0].body
    assert_untouched(others, "sigkill mid-request", victim_status=502, recovered_after_s=round(recovered, 3))


def test_worker_that_stops_accepting_times_out_then_fails_fast_until_a_probe_succeeds(faults: RunningPlatform) -> None:
    victim = settled_fault_pid(faults)
    with Bystanders(faults) as others:
        os.kill(victim, signal.SIGSTOP)
        try:
            statuses = [faults.request("GET", "/api/ok", host="fault.localhost", timeout=10).status for _ in range(3)]
            started = time.monotonic()
            fast = faults.request("GET", "/api/ok", host="fault.localhost", timeout=10)
            fast_answer = time.monotonic() - started
        finally:
            os.kill(victim, signal.SIGCONT)
        recovered = eventually(lambda: fault_answers(faults))
    assert statuses == [504, 504, 504]
    assert fast.status == 503 and fast_answer < 0.5
    assert_untouched(others, "stops accepting", victim_statuses=statuses + [fast.status],
                     open_circuit_answer_ms=round(fast_answer * 1000, 2), recovered_after_s=round(recovered, 3))


def test_2000_concurrent_requests_at_one_worker_are_shed_at_its_limit(faults: RunningPlatform) -> None:
    async def flood() -> list[int]:
        async def one() -> int:
            reader, writer = await asyncio.open_connection("127.0.0.1", faults.port)
            writer.write(b"GET /api/slow?s=1 HTTP/1.1\r\nHost: fault.localhost\r\nConnection: close\r\n\r\n")
            await writer.drain()
            line = await reader.readline()
            writer.close()
            return int(line.split()[1]) if line else 0
        return await asyncio.gather(*(one() for _ in range(2000)))

    with Bystanders(faults) as others:
        started = time.monotonic()
        statuses = asyncio.run(flood())
        elapsed = time.monotonic() - started
    served, shed = statuses.count(200), statuses.count(503)
    assert served + shed == 2000
    assert 50 <= served < 2000 and shed > 0
    assert_untouched(others, "2000 concurrent", served=served, shed=shed, elapsed_s=round(elapsed, 3))


def test_slowloris_connections_are_closed_and_others_keep_being_served(faults: RunningPlatform) -> None:
    with Bystanders(faults) as others:
        sockets = []
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", faults.port))
            sock.sendall(b"GET /x HTTP/1.1\r\nHost: other.localhost\r\nX-Slow: ")
            sockets.append(sock)
        started = time.monotonic()
        for sock in sockets:
            sock.settimeout(5)
        closed = 0
        for sock in sockets:
            try:
                data = sock.recv(4096)
                closed += 1 if data == b"" or data.startswith(b"HTTP/1.1 408") else 0
            except (ConnectionResetError, TimeoutError):
                closed += 1
            sock.close()
        waited = time.monotonic() - started
    assert closed == 300
    assert_untouched(others, "slowloris", connections=300, all_closed_after_s=round(waited, 3))


def test_limits_hit_are_visible_to_admins_on_health_and_hidden_from_the_public(faults: RunningPlatform) -> None:
    faults.request("GET", "/api/spin", host="fault.localhost")
    time.sleep(1.5)  # counts reach the runtime once a second
    admin = faults.sign_in("admin@gangerdermatology.com", admin=True)
    detail = json.loads(faults.request("GET", "/health", session=admin).body)["workers"]["fault"]
    assert detail["budgets"] == {"memoryMb": 96, "memoryTargetMb": 64, "cpuMsPerRequest": 50, "concurrency": 50}
    assert detail["cpuLimitHits"] >= 1 and detail["recycles"] >= 1 and detail["shed"] >= 1
    assert all(m > 0 for m in detail["memoryBytes"])
    public = json.loads(faults.request("GET", "/health").body)["workers"]["fault"]
    assert not {"pids", "budgets", "version", "memoryBytes"} & set(public)
