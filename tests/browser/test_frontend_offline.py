"""The example page says plainly when no mock answers at its `?api` address, apart from the
API's own errors: headless Chromium, the page served from another origin than the mock."""

from __future__ import annotations

import socket

import pytest
from live import start_mock, stop
from test_frontend import ARTEFACTS, page_url, text_of, wait  # the lead's, reused

pytestmark = pytest.mark.browser
__all__ = ["page_url"]  # a fixture used by name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(driver, element_id: str) -> bool:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).is_displayed()


def test_no_mock_at_the_address_is_a_banner_then_a_started_mock_clears_it(browser, page_url):
    from selenium.webdriver.common.by import By

    port = free_port()
    api = f"http://127.0.0.1:{port}"
    browser.get(f"{page_url}?api={api}")
    wait(browser, lambda d: shown(d, "offline"))
    banner = text_of(browser, "#offline")
    assert f"No mock answers at {api}." in banner and f"make mock PORT={port}" in banner
    assert f"ndt-customer mock --port {port}" in banner

    # A search while nothing answers: the banner, not the API error box.
    browser.find_element(By.ID, "postcode").send_keys("N1C 4DA")
    browser.find_element(By.ID, "search").click()
    wait(browser, lambda d: text_of(d, "#search-status") == "")
    assert shown(browser, "offline") and not shown(browser, "error")
    ARTEFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTEFACTS / "frontend-offline.png"))

    server = start_mock("--port", str(port))  # the last --port wins over start_mock's own
    try:
        assert server.url == api
        browser.find_element(By.ID, "offline-retry").click()
        wait(browser, lambda d: not shown(d, "offline"))
        # An API error (a 400 for a postcode that is not one) is the error box, no banner.
        browser.find_element(By.ID, "postcode").clear()
        browser.find_element(By.ID, "postcode").send_keys("XX")
        browser.find_element(By.ID, "search").click()
        wait(browser, lambda d: shown(d, "error"))
        assert "(400)" in text_of(browser, "#error") and not shown(browser, "offline")
    finally:
        stop(server)


def test_a_server_that_is_not_the_mock_is_named_as_such(browser, page_url):
    origin = page_url.rsplit("/", 1)[0]  # the page's own static server: /heartbeat is a 404
    browser.get(f"{page_url}?api={origin}")
    wait(browser, lambda d: shown(d, "offline"))
    assert f"{origin} answers, but not as the mock (GET /heartbeat: 404)" in text_of(
        browser, "#offline"
    )
