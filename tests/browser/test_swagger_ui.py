"""Swagger UI in headless Chromium: `GET /` leads to it, and its definition list offers the
mock controls beside the contract, with Prefer, the persona tokens and the admin routes."""

from __future__ import annotations

import pytest
from live import start_mock, stop
from support import AMELIA
from test_frontend import ARTEFACTS, wait  # the lead's fixtures, reused

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def mock_url():
    server = start_mock()
    yield server.url
    stop(server)


def test_root_leads_to_the_contract_and_the_controls_are_beside_it(browser, mock_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(mock_url + "/")
    wait(browser, lambda d: d.current_url == mock_url + "/ui/")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".info .title"))
    assert "mock: controls" not in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    picker = Select(wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".topbar select")))
    names = [option.text for option in picker.options]
    assert len(names) == 2 and "the contract" in names[0] and "Mock controls" in names[1]

    picker.select_by_index(1)
    wait(
        browser, lambda d: "mock: controls" in d.find_element(By.CSS_SELECTOR, ".info .title").text
    )
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Mock admin (outside the contract)" in page and "/__admin/customers/{customerId}" in page

    # Open GET /customers: its Prefer header and the persona tokens are there.
    opblock = browser.find_element(By.ID, "operations-Customers-GetCustomerByAccessToken")
    opblock.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait(browser, lambda d: "Prefer" in opblock.text)
    assert AMELIA.token in opblock.text and "code=401" in opblock.get_attribute("innerHTML")
    ARTEFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTEFACTS / "swagger-controls.png"))
