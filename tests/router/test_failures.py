"""A worker that is down, crashes or is killed gets an honest answer and hurts nobody else."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

from tests.support.platform import RunningPlatform, worker_pids


def test_worker_that_is_not_there_gets_503_json_for_api_callers(echo_platform: RunningPlatform,
                                                                echo_session: str) -> None:
    response = echo_platform.request("GET", "/gone/api/items", session=echo_session)
    assert response.status == 503
    assert response.header("retry-after") == "2"
    assert json.loads(response.body)["worker"] == "echo-gone"


def test_worker_that_is_not_there_gets_503_page_for_browsers(echo_platform: RunningPlatform,
                                                             echo_session: str) -> None:
    response = echo_platform.request("GET", "/gone/", session=echo_session, headers={"Accept": "text/html"})
    assert response.status == 503
    assert response.header("content-type", ) == "text/html; charset=utf-8"
    assert b"not answering" in response.body


def test_post_that_crashed_its_worker_is_not_replayed_on_another_replica(echo_platform: RunningPlatform,
                                                                        echo_session: str) -> None:
    response = echo_platform.request("POST", "/echo/crash", session=echo_session, body=b"order=1",
                                     headers={"Accept": "application/json"})
    assert response.status == 502
    wait_until_ready(echo_platform, "echo-staff", replicas=2)


def test_killed_worker_comes_back_while_others_answer_without_errors(echo_platform: RunningPlatform,
                                                                     echo_session: str) -> None:
    (victim,) = worker_pids(echo_platform, "echo-other")
    errors: list[str] = []
    answered = [0]
    stop = threading.Event()

    def traffic(path: str) -> None:
        while not stop.is_set():
            response = echo_platform.request("GET", path, session=echo_session)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
            answered[0] += 1

    threads = [threading.Thread(target=traffic, args=(p,)) for p in ("/echo/", "/", "/echo/x")]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    os.kill(victim, signal.SIGKILL)
    back = wait_until_ready(echo_platform, "echo-other", replicas=1)
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answered[0] > 20
    assert back < 5.0
    (successor,) = worker_pids(echo_platform, "echo-other")
    assert successor != victim
    assert echo_platform.request("GET", "/other/", session=echo_session).status == 200


def wait_until_ready(platform: RunningPlatform, worker: str, replicas: int, timeout: float = 15.0) -> float:
    """Seconds until /health shows `worker` with `replicas` ready replicas again."""
    started = time.monotonic()
    time.sleep(0.05)
    while time.monotonic() - started < timeout:
        state = json.loads(platform.request("GET", "/health").body)["workers"][worker]
        if state["state"] == "ready" and state["readyReplicas"] == replicas:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{worker} did not come back within {timeout} s")
