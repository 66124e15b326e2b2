"""Every request is counted, logged once without its path or query, and traced into the worker."""

from __future__ import annotations

import json
import re
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.support.platform import RunningPlatform


def metrics(platform: RunningPlatform, session: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = platform.request("GET", "/metrics", session=session)
    assert response.status == 200
    samples = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def count(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, l), v in samples.items() if n == name and labels.items() <= dict(l).items())


def test_request_counts_match_known_traffic(echo_platform: RunningPlatform) -> None:
    admin = echo_platform.sign_in("metrics@gangerdermatology.com", admin=True)
    time.sleep(1.2)
    before = metrics(echo_platform, admin)
    for _ in range(7):
        assert echo_platform.request("GET", "/other/", session=admin).status == 200
    for _ in range(3):
        assert echo_platform.request("GET", "/gone/api/x", session=admin).status == 503
    time.sleep(1.5)  # router processes report once a second
    after = metrics(echo_platform, admin)
    assert count(after, "ganger_router_requests_total", worker="echo-other", status="200") - \
        count(before, "ganger_router_requests_total", worker="echo-other", status="200") == 7
    assert count(after, "ganger_router_requests_total", worker="echo-gone", status="503") - \
        count(before, "ganger_router_requests_total", worker="echo-gone", status="503") == 3
    assert count(after, "ganger_worker_time_seconds_count", worker="echo-other") - \
        count(before, "ganger_worker_time_seconds_count", worker="echo-other") == 7
    assert count(after, "ganger_replica_memory_bytes", worker="echo-other") > 0


def test_metrics_need_an_admin(echo_platform: RunningPlatform, echo_session: str) -> None:
    assert echo_platform.request("GET", "/metrics").status == 401
    assert echo_platform.request("GET", "/metrics", session=echo_session).status == 403


def test_access_log_has_one_line_per_request_without_path_or_query(echo_platform: RunningPlatform,
                                                                   echo_session: str) -> None:
    response = echo_platform.request("GET", "/echo/patients/12345?name=Jane+Doe", session=echo_session)
    request_id = response.header("x-request-id")
    time.sleep(0.5)
    lines = [json.loads(line) for line in echo_platform.output if request_id and request_id in line]
    assert len(lines) == 1
    line = lines[0]
    assert line["component"] == "access" and line["status"] == 200 and line["worker"] == "echo-staff"
    assert line["route"] == "/echo" and line["method"] == "GET"
    assert {"routerTime", "workerTime", "totalTime"} <= set(line)
    assert not any("12345" in entry or "Jane" in entry for entry in echo_platform.output)


def test_traceparent_continues_the_callers_trace_into_the_worker(echo_platform: RunningPlatform,
                                                                 echo_session: str) -> None:
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = echo_platform.request("GET", "/echo/", session=echo_session, headers={"traceparent": caller})
    received = dict(json.loads(response.body)["headers"])["traceparent"]
    assert received == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{response.header('x-request-id')}-01"


def test_a_new_trace_starts_when_the_caller_sends_none_or_garbage(echo_platform: RunningPlatform,
                                                                  echo_session: str) -> None:
    response = echo_platform.request("GET", "/echo/", session=echo_session, headers={"traceparent": "garbage"})
    received = dict(json.loads(response.body)["headers"])["traceparent"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", received)
    assert "garbage" not in received


def test_metrics_answer_carries_the_routers_security_headers(echo_platform: RunningPlatform) -> None:
    admin = echo_platform.sign_in("metrics@gangerdermatology.com", admin=True)
    response = echo_platform.request("GET", "/metrics", session=admin)
    assert response.header("cache-control") == "no-store"
    assert response.header("cross-origin-resource-policy") == "same-origin"
    assert "default-src 'none'" in (response.header("content-security-policy") or "")
