"""The worker template's pages in real headless Chromium: the sign-in page, the portal launcher built
from the manifest, and an application that is not built yet — under the CSP, with GANGER_CONFIG set.
Screenshots go to a temporary folder, or to GANGER_SCREENSHOTS (e.g. docs/screenshots)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ganger.manifest import load_manifest
from tests.data.cdp import CHROMIUM, Browser
from tests.monitoring.test_ui_in_browser import errors, screenshot
from tests.support.platform import ROOT, RunningPlatform

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium (apt-get install chromium)")
MANIFEST = load_manifest(ROOT / "platform.toml", check_modules=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Browser()
    try:
        chromium.viewport(1280, 900)
        chromium.call("Log.enable", session=True)
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("GANGER_SCREENSHOTS")
    return (ROOT / chosen) if chosen else tmp_path_factory.mktemp("screenshots")


def test_signed_out_visit_lands_on_the_sign_in_page_with_the_dev_form(platform: RunningPlatform, browser: Browser,
                                                                      shots: Path) -> None:
    browser.goto(f"http://localhost:{platform.port}/inventory/")
    browser.wait_for("location.pathname === '/auth/login'")
    assert browser.evaluate("new URLSearchParams(location.search).get('next')") == "/inventory/"
    assert browser.evaluate("document.querySelector('form.dev-login input[name=email]') !== null")
    screenshot(browser, shots / "sign-in.png", height=900)
    assert errors(browser) == []


def test_portal_home_launches_every_staff_application_from_the_manifest(platform: RunningPlatform,
                                                                        staff_session: str, browser: Browser,
                                                                        shots: Path) -> None:
    browser.call("Network.setCookie", {"name": "ganger_session", "value": staff_session, "httpOnly": True,
                                        "url": f"http://localhost:{platform.port}/"}, session=True)
    browser.goto(f"http://localhost:{platform.port}/")
    browser.wait_for("document.querySelectorAll('a.card').length > 0")
    launched = browser.evaluate("[...document.querySelectorAll('a.card')].map(a => a.dataset.worker)")
    expected = [w.name for w in MANIFEST.staff_workers if w.prefix != "/"] + [w.name for w in MANIFEST.patient_workers]
    assert launched == expected
    assert browser.evaluate("window.GANGER_CONFIG.appName") == "ganger-staff-management"
    assert browser.evaluate("document.querySelectorAll('nav.staff-nav a').length") == len(MANIFEST.staff_workers)
    screenshot(browser, shots / "portal.png", height=900)
    assert errors(browser) == []


def test_application_not_built_yet_says_so(platform: RunningPlatform, browser: Browser, shots: Path) -> None:
    browser.goto(f"http://localhost:{platform.port}/l10/")
    browser.wait_for("document.querySelector('[data-state=\"not-built\"]') !== null")
    assert "not built yet" in browser.evaluate("document.querySelector('main').textContent")
    assert browser.evaluate("document.querySelector('nav.staff-nav a[aria-current=page]').textContent") == \
        "EOS Level 10 Management"
    screenshot(browser, shots / "not-built.png", height=900)
    assert errors(browser) == []
