"""In real headless Chromium, as staff and then as a patient: sign in, add a supply, receive stock
by typing a barcode and Enter (as a USB scanner does), see it in low stock; write and publish a
handout, then open its QR target on the patient host. Screenshots go to the test's temporary
folder, or to GANGER_SCREENSHOTS (`GANGER_SCREENSHOTS=docs/screenshots` refreshes the committed ones).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.platform import ROOT, RunningPlatform, start_platform

from .cdp import CHROMIUM, Browser
from .test_through_platform import trimmed_manifest


pytestmark = pytest.mark.skipif(shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    folder = tmp_path_factory.mktemp("browser-platform")
    running = start_platform(folder / "data", manifest=trimmed_manifest(folder), env={"DATABASE_URL": ""})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("GANGER_SCREENSHOTS")
    return (ROOT / chosen) if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser(platform: RunningPlatform) -> Iterator[Browser]:
    opened = Browser()
    opened.viewport(1280, 900)
    try:
        yield opened
    finally:
        opened.close()


def sign_in(browser: Browser, platform: RunningPlatform, path: str) -> None:
    """Open `path`; if the router shows the sign-in page, use its dev sign-in form."""
    browser.goto(f"http://localhost:{platform.port}{path}")
    if browser.evaluate("!!document.querySelector('form[action=\"/auth/dev-login\"]')"):
        browser.evaluate("""(() => { const f = document.querySelector('form[action="/auth/dev-login"]');
            f.querySelector('[name=email]').value = 'dev@gangerdermatology.com'; f.submit(); })()""")
        browser.wait_for("!document.querySelector('form[action=\"/auth/dev-login\"]') && document.readyState === 'complete'")
        browser.goto(f"http://localhost:{platform.port}{path}")
    browser.wait_for("document.querySelector('main') !== null")


def fill(browser: Browser, form: str, values: dict[str, object]) -> None:
    browser.evaluate(f"""(() => {{ const f = document.getElementById({json.dumps(form)});
        for (const [k, v] of Object.entries({json.dumps(values)})) f.elements.namedItem(k).value = v;
        f.requestSubmit(); }})()""")


def test_staff_add_a_supply_receive_by_barcode_and_see_low_stock(browser: Browser, platform: RunningPlatform,
                                                                  shots: Path) -> None:
    sign_in(browser, platform, "/inventory/")
    assert "No supplies yet" in browser.evaluate("document.body.innerText")
    fill(browser, "add-supply", {"name": "Lidocaine 1% 10 ml", "sku": "LID-10", "barcode": "4006381333931",
                                 "unit": "vial", "category": "Anaesthesia", "location": "Procedure room",
                                 "par_level": 5, "reorder_quantity": 20})
    browser.wait_for("location.pathname === '/inventory/supplies/1'")
    browser.goto(f"http://localhost:{platform.port}/inventory/")
    browser.evaluate("document.getElementById('scan-mode').value = 'receive'; "
                     "document.getElementById('scan-quantity').value = '3'; document.getElementById('scan-code').focus()")
    browser.type_text("4006381333931")
    browser.press_enter()
    result = browser.wait_for("document.getElementById('scan-result').textContent.includes('Received') && "
                              "document.getElementById('scan-result').textContent")
    assert "Received 3 × Lidocaine 1% 10 ml" in result
    low = browser.wait_for("document.getElementById('low-stock').textContent.includes('Lidocaine') && "
                           "document.getElementById('low-stock').textContent")
    assert "3 vial" in low
    browser.screenshot(shots / "inventory.png")
    browser.goto(f"http://localhost:{platform.port}/inventory/supplies/1")
    browser.screenshot(shots / "inventory-supply.png")
    browser.goto(f"http://localhost:{platform.port}/inventory/supplies/1/label?copies=4")
    browser.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    browser.screenshot(shots / "inventory-labels.png")


def test_staff_publish_a_handout_and_a_patient_opens_its_qr_target(browser: Browser, platform: RunningPlatform,
                                                                   shots: Path) -> None:
    sign_in(browser, platform, "/handouts/")
    fill(browser, "new-handout", {"title": "Caring for your biopsy site", "category": "Wound care", "language": "en",
                                  "body": "# After your biopsy\n\n1. Keep the bandage **dry** for 24 hours.\n"
                                          "2. Then wash gently with soap and water.\n\n"
                                          "Call us if you see spreading redness."})
    browser.wait_for("location.pathname === '/handouts/1'")
    browser.evaluate("document.querySelector('[data-action=publish]').click()")
    browser.wait_for("document.getElementById('patient-url') !== null")
    browser.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    browser.screenshot(shots / "handouts-editor.png")
    target = browser.evaluate("fetch('/handouts/api/handouts/1').then(r => r.json()).then(h => h.qrTarget)")
    assert target.startswith(f"http://handouts.localhost:{platform.port}/qr/")

    browser.viewport(390, 844, mobile=True)
    browser.goto(target)
    browser.wait_for("location.pathname === '/view/1'")
    text = browser.evaluate("document.querySelector('article').innerText")
    assert "After your biopsy" in text and "Keep the bandage dry for 24 hours." in text
    assert browser.evaluate("document.querySelector('.staff-nav') === null")
    browser.screenshot(shots / "handout-patient.png")
    browser.goto(f"http://handouts.localhost:{platform.port}/")
    browser.screenshot(shots / "handouts-patient-list.png")
    browser.viewport(1280, 900)
