"""The bench's wrk parsing and its docs writer, on canned output (no load is generated here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, wrk
from bench.results import Results, Row
from bench.streaming import StreamResult
from bench.targets import MB, judge

WRK_LATENCY = """\
Running 5s test @ http://127.0.0.1:41235/
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   121.43us   40.10us   2.36ms   96.12%
    Req/Sec     8.10k   310.22     8.52k    80.00%
  Latency Distribution
     50%  116.00us
     75%  123.00us
     90%  134.00us
     99%    1.02ms
  40301 requests in 5.00s, 5.73MB read
Requests/sec:   8059.94
Transfer/sec:      1.15MB
"""

WRK_ERRORS = """\
Running 1m test @ http://127.0.0.1:8080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.80ms  300.00us  12.00ms   90.00%
    Req/Sec    17.70k     1.00k   19.00k    75.00%
  1062000 requests in 1.00m, 150.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  17700.00
Transfer/sec:      2.50MB
"""


def test_parse_latency_report() -> None:
    result = wrk.parse(WRK_LATENCY)
    assert result.requests == 40301
    assert result.seconds == 5.0
    assert result.rps == pytest.approx(8060.2)
    assert result.p50_ms == pytest.approx(0.116)
    assert result.p99_ms == pytest.approx(1.02)
    assert result.failures == 0


def test_parse_errors_and_minutes() -> None:
    result = wrk.parse(WRK_ERRORS)
    assert result.seconds == 60.0
    assert result.rps == pytest.approx(17700)
    assert (result.non_2xx, result.socket_errors, result.p50_ms) == (4, 3, None)


def test_parse_refuses_other_text() -> None:
    with pytest.raises(ValueError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def _results() -> Results:
    latency = wrk.parse(WRK_LATENCY)
    rows = [
        Row("direct", "direct", rps=20000, requests=200000, worker_cpu_us=20, p50_ms=0.05, p99_ms=0.1),
        Row("nginx", "nginx", rps=12000, requests=120000, proxy_cpu_us=30, worker_cpu_us=20, p50_ms=0.1,
            p99_ms=0.3, rss_idle=12 * MB, rss_peak=13 * MB),
        Row("router", "**our router**", rps=11000, requests=110000, proxy_cpu_us=75, worker_cpu_us=19,
            p50_ms=latency.p50_ms, p99_ms=latency.p99_ms, rss_idle=28 * MB, rss_peak=29 * MB),
    ]
    streams = [StreamResult("upload", 200, 1.0, 28 * MB, 29 * MB, 28 * MB, True)]
    return Results(date="2026-01-01 00:00 UTC", machine={"nproc": "2", "cpu": "Test CPU"}, command="make bench",
                   pinning="test pinning", settings={"throughput_s": 10, "latency_s": 5, "rounds": 2},
                   rows=rows, streams=streams)


def test_targets_are_judged_from_the_rows() -> None:
    assert [v.met for v in judge(_results())] == [False, True, True, True, True]


def test_signed_in_staff_row_is_judged_and_argued() -> None:
    results = _results()
    results.extra.append(Row("router-staff", "staff", rps=9000, requests=9000, proxy_cpu_us=45, baseline="router"))
    verdicts = judge(results)
    assert [v.met for v in verdicts] == [False, True, True, True, True, True]
    assert verdicts[1].figure == "1.50× (45 µs vs 30 µs)"
    assert "A signed-in staff request" in report.render(results)


def test_section_replaced_and_rest_of_document_kept(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "benchmarks.md"
    report.write(doc, _results())
    first = doc.read_text()
    assert first.startswith("# Benchmarks")
    assert "| **our router** | 11,000 | 0.55× | 0.116 ms | 1.020 ms | +0.066 ms | 75 | 2.50× | – | 19 |" in first
    assert "| router CPU per proxied request ≤ 2× nginx's | 2.50× (75 µs vs 30 µs) | **no** |" in first
    assert "Targets not met in this run: router CPU per proxied request" in first

    doc.write_text(first + "\n<!-- bench:workers:start -->\nworkers figures\n<!-- bench:workers:end -->\n")
    report.write(doc, _results())
    second = doc.read_text()
    assert second.count("<!-- bench:router:start -->") == 1
    assert "workers figures" in second
    assert second.startswith(first.rstrip())
