"""Reading the platform's /metrics in tests: samples by name and labels, and waiting for counts."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from tests.support.platform import RunningPlatform

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(platform: RunningPlatform, session: str) -> Samples:
    response = platform.request("GET", "/metrics", session=session)
    assert response.status == 200, response.status
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.body.decode()) for s in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, found), v in samples.items() if n == name and labels.items() <= dict(found).items())


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, step: float = 0.25) -> bool:
    """True as soon as `condition()` holds (worker metrics are refreshed every few seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
