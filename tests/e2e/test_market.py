"""The market pages in a real browser against daphne: the chart, search, and the live price."""

import os
import threading
import time

import pytest
from playwright.sync_api import expect

from apps.market import feed
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, UserFactory
from tests.market.conftest import bundled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in_at(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/?next=/market/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/market/")


def test_search_chart_and_live_price(page, asgi_server, settings):
    bundled("GOOG")
    bundled("EURUSD")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what daphne checks with
    sign_in_at(page, asgi_server, UserFactory())

    page.get_by_label("Find an instrument").fill("gogle")
    result = page.get_by_test_id("search-results").get_by_role("link").first
    expect(result).to_contain_text("GOOG")
    result.click()
    expect(page.get_by_role("heading", name="GOOG")).to_be_visible()

    chart = page.get_by_test_id("price-chart")
    expect(chart).to_have_attribute("data-points", "252", timeout=10_000)
    assert chart.locator("canvas").count() >= 3  # price pane, RSI pane, MACD pane
    expect(page.get_by_text("252 1d bars")).to_be_visible()
    page.get_by_role("button", name="5y").click()
    expect(page.locator("#chart-status")).to_contain_text("1d bars")
    assert int(chart.get_attribute("data-points")) > 1000
    expect(page.get_by_test_id("signals")).to_contain_text("Trend")
    expect(page.get_by_test_id("risk")).to_contain_text("Volatility")
    # Legend, pane labels and the readout of the bar under the crosshair.
    expect(page.get_by_test_id("chart-legend")).to_contain_text("RSI 14, 30/70 lines")
    expect(page.get_by_test_id("chart-legend")).to_contain_text("Volume (own band)")
    assert chart.locator("canvas").count() >= 4  # price, volume, RSI and MACD panes
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 120)
    expect(page.get_by_test_id("chart-readout")).to_contain_text(" O ")
    expect(page.get_by_test_id("chart-readout")).to_contain_text("RSI")
    expect(page.get_by_test_id("history-note")).to_contain_text("Stored 1d history ends 2013-03-01")

    price = page.get_by_test_id("live-price")
    before = price.inner_text()
    simulator = feed.Simulator(tick_seconds=1, seed=5)
    simulator.load()
    deadline = time.monotonic() + 10
    while price.get_attribute("data-updates") in (None, "0", "1") and time.monotonic() < deadline:
        # The page subscribes once its socket opens. Publish from another thread: Playwright's
        # event loop runs in this one.
        publisher = threading.Thread(target=feed.publish, args=(simulator.step(),))
        publisher.start()
        publisher.join()
        page.wait_for_timeout(300)
    assert int(price.get_attribute("data-updates")) >= 2
    assert price.inner_text() != before
    expect(page.get_by_test_id("price-source")).to_have_text("simulated")
    # A simulated price years after the stored history is a separate live line, not a new candle.
    expect(chart).to_have_attribute("data-live-mode", "line")
    expect(page.get_by_test_id("history-note")).to_contain_text("The live price is simulated")
    if os.environ.get("E2E_SCREENSHOTS", "1"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "market-instrument-desktop.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        page.evaluate("localStorage.removeItem('platform-theme')")
        page.reload()
        expect(chart).to_have_attribute("data-points", "252", timeout=10_000)
        assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == "dark"
        page.screenshot(path=str(ARTIFACTS / "market-instrument-dark.png"), full_page=True)
    assert page.console_errors == []
