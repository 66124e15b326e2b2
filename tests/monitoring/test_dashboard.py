"""The Platform Dashboard shows the platform's real last hour: its numbers match known traffic."""

from __future__ import annotations

import json
from typing import Any

from tests.monitoring.support import wait_for
from tests.support.platform import RunningPlatform

WORKER = "ganger-compliance-staff"


def overview(platform: RunningPlatform, session: str) -> dict[str, Any]:
    response = platform.request("GET", "/dashboard/api/overview", session=session)
    assert response.status == 200, response.status
    return json.loads(response.body)


def app_entry(document: dict[str, Any], worker: str) -> dict[str, Any]:
    return next(a for a in document["apps"] if a["worker"] == worker)


def test_dashboard_request_counts_match_known_traffic(platform: RunningPlatform, staff_session: str) -> None:
    before = app_entry(overview(platform, staff_session), WORKER)["hour"]["requests"]
    for _ in range(6):
        assert platform.request("GET", "/compliance/", session=staff_session).status == 200
    for _ in range(2):
        assert platform.request("GET", "/compliance/api/none", session=staff_session).status == 404

    def counted() -> int:
        return app_entry(overview(platform, staff_session), WORKER)["hour"]["requests"] - before

    assert wait_for(lambda: counted() == 8, timeout=10), counted()


def test_dashboard_latency_splits_router_and_worker_time(platform: RunningPlatform, staff_session: str) -> None:
    platform.request("GET", "/compliance/", session=staff_session)
    assert wait_for(lambda: app_entry(overview(platform, staff_session), WORKER)["hour"]["requests"] > 0)
    latency = app_entry(overview(platform, staff_session), WORKER)["hour"]["latencyMs"]
    for stage in ("router", "worker"):
        assert 0 < latency[stage]["p50"] <= latency[stage]["p95"] <= latency[stage]["p99"]


def test_dashboard_counts_4xx_as_requests_not_errors(platform: RunningPlatform, staff_session: str) -> None:
    platform.request("GET", "/compliance/api/none", session=staff_session)
    assert wait_for(lambda: app_entry(overview(platform, staff_session), WORKER)["hour"]["requests"] > 0)
    hour = app_entry(overview(platform, staff_session), WORKER)["hour"]
    assert hour["errors"] == 0 and hour["errorRate"] == 0


def test_dashboard_shows_memory_of_every_running_worker(platform: RunningPlatform, staff_session: str) -> None:
    assert wait_for(lambda: app_entry(overview(platform, staff_session), "ganger-inventory-staff")["hour"]["memoryMb"])


def test_dashboard_page_draws_charts_as_inline_svg_from_nowhere_else(platform: RunningPlatform,
                                                                      staff_session: str) -> None:
    response = platform.request("GET", "/dashboard/", session=staff_session)
    body = response.body.decode()
    assert response.status == 200
    assert body.count('<svg class="chart"') >= 6 * 20
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body


def test_success_metrics_table_has_a_target_for_every_row(platform: RunningPlatform, staff_session: str) -> None:
    rows = {row["key"]: row for row in overview(platform, staff_session)["success"]}
    assert {"routing", "bundle-router", "bundle-staff", "bundle-patient", "bundle-platform", "memory",
            "cold-start", "worker-response", "total-time"} <= set(rows)
    assert rows["memory"]["measured"].endswith("MB") and rows["cold-start"]["measured"].endswith("ms")


def test_bundle_sizes_arrive_from_the_background_analysis(platform: RunningPlatform, staff_session: str) -> None:
    def measured() -> bool:
        return overview(platform, staff_session)["success"][1]["measured"].endswith("KB")

    assert wait_for(measured, timeout=120, step=1.0)
