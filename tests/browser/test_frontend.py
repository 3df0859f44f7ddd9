"""The example page in headless Chromium, served from another origin than the mock."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from live import start_mock, stop

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIR = ROOT / "examples" / "frontend"
ARTEFACTS = ROOT / "reports"


@pytest.fixture(scope="module")
def mock_url():
    server = start_mock()
    yield server.url
    stop(server)


@pytest.fixture(scope="module")
def page_url():
    handler = functools.partial(_QuietHandler, directory=str(PAGE_DIR))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


def wait(driver, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def text_of(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector).text


def test_frontend_on_another_origin(browser, mock_url, page_url):
    from selenium.webdriver.common.by import By

    browser.get_log("browser")  # what earlier pages logged is theirs, not this page's
    assert mock_url.rsplit(":", 1)[1] not in page_url  # two origins: CORS is really exercised
    browser.get(f"{page_url}?api={mock_url}")
    assert text_of(browser, "#api-url") == mock_url

    # Search: a JSON POST with Api-Version and Client-Session-Id, so the preflight must pass.
    browser.find_element(By.ID, "postcode").send_keys("n1c4da")
    browser.find_element(By.ID, "search").click()
    wait(browser, lambda d: "customer(s) found" in text_of(d, "#search-status"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    names = [row.text for row in rows]
    assert len(rows) >= 3 and any("Amelia Hartley" in n for n in names), names

    # Open one customer.
    next(row for row in rows if "Amelia Hartley" in row.text).click()
    wait(browser, lambda d: "Customer ref" in text_of(d, "#customer"))
    customer = text_of(browser, "#customer")
    assert "4vMgYYLnQJ" in customer and "0003915000000966364" in customer

    # Sign in as the applicant persona: Authorization header, NoCustomerDetails read from the
    # response (only possible because the mock exposes it to scripts).
    wait(browser, lambda d: d.find_elements(By.ID, "persona-applicant-no-account"))
    browser.find_element(By.ID, "persona-applicant-no-account").click()
    wait(browser, lambda d: d.find_elements(By.ID, "no-details"))
    assert "NoCustomerDetails" in text_of(browser, "#me")
    assert "Applicant" in text_of(browser, "#me")

    # A forced 500 (Prefer header) is shown gracefully, with the problem's title and traceId.
    browser.find_element(By.ID, "force-500").click()
    wait(browser, lambda d: d.find_element(By.ID, "error").is_displayed())
    error = text_of(browser, "#error")
    assert "(500)" in error and "The service is unavailable." in error and "trace 00-" in error

    ARTEFACTS.mkdir(exist_ok=True)
    screenshot = ARTEFACTS / "frontend.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    console = [
        e
        for e in browser.get_log("browser")
        if e.get("level") == "SEVERE" and "500" not in e.get("message", "")
    ]
    assert console == [], console
