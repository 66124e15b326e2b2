"""The dashboard and status pages in real headless Chromium: they render with data after traffic and
refresh live under the CSP. Screenshots go to a temporary folder, or to GANGER_SCREENSHOTS
(`GANGER_SCREENSHOTS=docs/screenshots` refreshes the committed ones), as in tests/data/test_browser.py."""

from __future__ import annotations

import base64
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data.cdp import CHROMIUM, Browser
from tests.router import test_failures
from tests.support.platform import ROOT, RunningPlatform

VICTIM = "ganger-reps-admin"  # killed once, so the status page has an incident to show
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def page(platform: RunningPlatform, admin_session: str) -> Iterator[Browser]:
    for path in ("/inventory/", "/compliance/", "/showcase/", "/", "/dashboard/api/overview"):
        for _ in range(5):
            platform.request("GET", path, session=admin_session)
    for _ in range(5):
        platform.request("GET", "/", host="handouts.localhost")
    chromium = Browser()
    try:
        chromium.viewport(1280, 2400)  # the screenshots show the top of each page, at this size
        chromium.call("Log.enable", session=True)  # CSP violations are reported as log entries
        chromium.call("Network.setCookie", {"name": "ganger_session", "value": admin_session, "httpOnly": True,
                                            "url": f"http://localhost:{platform.port}/"}, session=True)
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("GANGER_SCREENSHOTS")
    return (ROOT / chosen) if chosen else tmp_path_factory.mktemp("screenshots")


def screenshot(browser: Browser, path: Path, height: int = 2400) -> None:
    """The top of the page (the dashboard runs to several screens) as PNG."""
    shot = browser.call("Page.captureScreenshot", {"format": "png", "clip": {
        "x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}}, session=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def errors(browser: Browser) -> list[str]:
    """Console errors, uncaught exceptions and refused resources (CSP) since the last page load."""
    found = []
    for event in browser.events:
        method, params = event["method"], event.get("params", {})
        if method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(params["entry"]["text"])
        elif method == "Runtime.exceptionThrown":
            found.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            found.append(str(params.get("args")))
    return found


def test_dashboard_renders_charts_with_data_and_refreshes_live(platform: RunningPlatform, page: Browser,
                                                               screenshots: Path) -> None:
    page.goto(f"http://localhost:{platform.port}/dashboard/")
    page.wait_for("document.querySelectorAll('.app-card [data-stat=\"requests\"]').length >= 20")
    assert page.wait_for("[...document.querySelectorAll('.app-card')].some(c => "
                         "Number(c.querySelector('[data-stat=\"requests\"]').textContent) > 0)")
    assert page.evaluate("document.querySelectorAll('svg.chart rect.bar').length") > 0
    assert page.evaluate("document.querySelectorAll('svg.chart polyline, svg.chart circle').length") > 0
    # the bundle figures come from a background analysis that the first dashboard request started;
    # the page's module script brings them in when they are ready, with no reload
    assert page.wait_for("!document.getElementById('success').textContent.includes('measuring')", timeout=180)
    assert page.wait_for("document.getElementById('updated').textContent.startsWith('Updated')")
    screenshot(page, screenshots / "dashboard.png")
    assert errors(page) == []


def test_dashboard_success_table_is_filled_in(platform: RunningPlatform, page: Browser) -> None:
    page.goto(f"http://localhost:{platform.port}/dashboard/")
    measured = page.evaluate("[...document.querySelectorAll('#success [data-field=\"measured\"]')]"
                             ".map(td => td.textContent)")
    assert len(measured) >= 9 and any(text.endswith(" ms") for text in measured)


def test_status_page_renders_workers_budgets_incidents_and_integrations(platform: RunningPlatform,
                                                                        admin_session: str, page: Browser,
                                                                        screenshots: Path) -> None:
    workers = json.loads(platform.request("GET", "/status/api/workers", session=admin_session).body)["workers"]
    (victim,) = next(w for w in workers if w["worker"] == VICTIM)["pids"]
    os.kill(victim, signal.SIGKILL)
    test_failures.wait_until_ready(platform, VICTIM, replicas=1)
    page.goto(f"http://localhost:{platform.port}/status/")
    page.wait_for("document.querySelectorAll('#workers tbody tr').length >= 20")
    assert page.evaluate(f"document.querySelectorAll('#incidents tr[data-worker=\"{VICTIM}\"]').length") >= 2
    assert "500 KB" in page.evaluate("document.querySelector('#workers td.budgets').textContent")
    assert page.evaluate("document.querySelector('#databases .pill').textContent") == "reachable"
    assert page.evaluate("document.querySelectorAll('#changes tbody tr').length") > 0
    assert page.wait_for("document.getElementById('updated').textContent.startsWith('Updated')")
    screenshot(page, screenshots / "status.png")
    assert errors(page) == []
