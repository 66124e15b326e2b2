"""Every worker's own metrics reach the platform's one scrape, and nobody else can read them."""

from __future__ import annotations

import socket

import pytest

from ganger.identity import load_secret
from ganger.monitoring.scrape import runtime_token
from tests.monitoring.support import scrape, total, wait_for
from tests.support.platform import RunningPlatform, parse_response

WORKER = "ganger-showcase-staff"


def test_worker_request_counts_match_known_traffic(platform: RunningPlatform, admin_session: str) -> None:
    def counts() -> tuple[float, float]:
        samples = scrape(platform, admin_session)
        return (total(samples, "ganger_worker_http_requests_total", worker=WORKER, route="/", status="200"),
                total(samples, "ganger_worker_http_requests_total", worker=WORKER, route="<unmatched>", status="404"))

    assert wait_for(lambda: counts() == counts())
    ok_before, missing_before = counts()
    for _ in range(4):
        assert platform.request("GET", "/showcase/", session=admin_session).status == 200
    for _ in range(2):
        assert platform.request("GET", "/showcase/no-such-page", session=admin_session).status == 404
    assert wait_for(lambda: counts() == (ok_before + 4, missing_before + 2)), counts()


def test_worker_histogram_counts_every_answered_request(platform: RunningPlatform, admin_session: str) -> None:
    platform.request("GET", "/showcase/", session=admin_session)

    def consistent() -> bool:
        samples = scrape(platform, admin_session)
        count = total(samples, "ganger_worker_http_duration_seconds_count", worker=WORKER, route="/", status="200")
        inf = total(samples, "ganger_worker_http_duration_seconds_bucket", worker=WORKER, route="/", status="200",
                    le="+Inf")
        requests = total(samples, "ganger_worker_http_requests_total", worker=WORKER, route="/", status="200")
        return count == inf == requests > 0

    assert wait_for(consistent)


def test_every_running_worker_is_in_the_scrape_with_its_replica(platform: RunningPlatform,
                                                               admin_session: str) -> None:
    def labelled() -> set[tuple[str, str]]:
        return {(dict(labels)["worker"], dict(labels)["replica"])
                for (name, labels), _ in scrape(platform, admin_session).items() if name == "ganger_worker_http_in_flight"}

    assert wait_for(lambda: {("ganger-status-staff", "0"), ("ganger-handouts-patient", "0")} <= labelled())


@pytest.mark.parametrize("path", ["/__ganger/metrics", "/showcase/__ganger/metrics", "/inventory/__ganger/metrics"])
def test_worker_metrics_are_not_reachable_through_the_router(platform: RunningPlatform, admin_session: str,
                                                             path: str) -> None:
    response = platform.request("GET", path, session=admin_session)
    assert response.status == 404
    assert b"ganger_worker_http" not in response.body


def test_a_forged_runtime_token_through_the_router_reads_nothing(platform: RunningPlatform,
                                                                admin_session: str) -> None:
    forged = runtime_token(b"not the platform secret").decode()
    response = platform.request("GET", "/__ganger/metrics", session=admin_session,
                                headers={"X-Ganger-Runtime": forged})
    assert response.status == 404 and b"ganger_worker_http" not in response.body


def test_the_real_token_through_the_router_reads_nothing(platform: RunningPlatform, admin_session: str) -> None:
    token = runtime_token(load_secret(platform.data_dir)).decode()
    response = platform.request("GET", "/__ganger/metrics", host="handouts.localhost",
                                headers={"X-Ganger-Runtime": token})
    assert b"ganger_worker_http" not in response.body


def direct(platform: RunningPlatform, worker: str, extra: str = "") -> bytes:
    path = platform.data_dir / "run" / f"{worker}.0.0.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.sendall(f"GET /__ganger/metrics HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode())
        return b"".join(iter(lambda: sock.recv(65536), b""))


def test_patient_worker_socket_refuses_metrics_without_the_runtime_token(platform: RunningPlatform) -> None:
    response = parse_response(direct(platform, "ganger-handouts-patient"))
    assert b"ganger_worker_http" not in response.body


def test_worker_socket_answers_the_runtime_token(platform: RunningPlatform) -> None:
    token = runtime_token(load_secret(platform.data_dir)).decode()
    response = parse_response(direct(platform, "ganger-handouts-patient", f"X-Ganger-Runtime: {token}\r\n"))
    assert response.status == 200 and b"ganger_worker_http_in_flight" in response.body
