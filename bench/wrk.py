"""Run wrk and read its report: requests, duration, errors, and the latency distribution.

wrk takes whole seconds only.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .procs import die_with_parent

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_DURATION = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_REQUESTS = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", re.M)
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    non_2xx: int = 0
    socket_errors: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors


def parse(output: str) -> WrkResult:
    """Parse wrk 4.x's text report (with or without --latency)."""
    found = _REQUESTS.search(output)
    if found is None:
        raise ValueError(f"not a wrk report:\n{output}")
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(output)}
    non_2xx = _NON_2XX.search(output)
    errors = _SOCKET_ERRORS.search(output)
    return WrkResult(
        requests=int(found.group(1)),
        seconds=float(found.group(2)) * _DURATION[found.group(3)],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        p50_ms=percentiles.get(50),
        p99_ms=percentiles.get(99),
    )


def run(wrk: str, url: str, host: str, *, connections: int, seconds: int, latency: bool = False,
        taskset: list[str] | None = None, headers: dict[str, str] | None = None) -> WrkResult:
    argv = [*(taskset or []), wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
            "-H", f"Host: {host}"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if latency:
        argv.append("--latency")
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=seconds + 30,
                          preexec_fn=die_with_parent)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)
