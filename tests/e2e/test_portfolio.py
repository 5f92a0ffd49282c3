"""The portfolio pages in a real browser: record a trade, then place a paper order and see it fill."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.market import services as market_services
from apps.portfolio import services
from tests.factories import UserFactory
from tests.portfolio.conftest import make_instrument

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def funded(db):
    user = UserFactory()
    make_instrument("ACME", [100, 101, 102], name="Acme Corporation")
    portfolio = services.create_portfolio(owner=user, name="Browser book")
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(type="deposit", trade_date=datetime(2024, 1, 1).date(), amount=Decimal(10_000)),
    )
    return user, portfolio


def test_adding_a_trade_changes_the_holdings(page, live_server, sign_in, funded):
    user, portfolio = funded
    sign_in(user)
    page.goto(f"{live_server.url}/portfolio/{portfolio.pk}/")
    expect(page.get_by_test_id("holdings")).to_contain_text("Nothing held")
    page.get_by_role("link", name="Transactions").click()

    form = page.get_by_test_id("transaction-form")
    form.get_by_label("Type").select_option("buy")
    form.get_by_label("Date").fill("2024-01-03")
    form.get_by_label("Symbol").fill("ACME")
    form.get_by_label("Quantity").fill("12")
    form.get_by_label("Price").fill("101.5")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Recorded the buy.")).to_be_visible()
    expect(page.get_by_test_id("transactions")).to_contain_text("ACME")

    page.get_by_role("link", name="Dashboard").click()
    row = page.get_by_test_id("holdings").locator('tr[data-symbol="ACME"]')
    expect(row.get_by_test_id("holding-quantity")).to_have_text("12")
    expect(page.get_by_test_id("cash")).to_have_text("8,782.00")
    expect(page.get_by_test_id("allocation-chart")).to_have_attribute("data-drawn", "1")
    expect(page.get_by_test_id("performance-chart")).to_have_attribute("data-drawn", "1")

    # Selling more than held is a form error, and nothing changes.
    page.get_by_role("link", name="Transactions").click()
    form = page.get_by_test_id("transaction-form")
    form.get_by_label("Type").select_option("sell")
    form.get_by_label("Date").fill("2024-01-04")
    form.get_by_label("Symbol").fill("ACME")
    form.get_by_label("Quantity").fill("13")
    form.get_by_label("Price").fill("102")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_text("the position then is 12")).to_be_visible()
    # The refused form answers 400, which the browser reports; nothing else may fail.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_placing_and_filling_a_paper_order(page, live_server, sign_in, funded):
    user, portfolio = funded
    sign_in(user)
    page.goto(f"{live_server.url}/portfolio/{portfolio.pk}/orders/")
    form = page.get_by_test_id("order-form")
    form.get_by_label("Symbol").fill("ACME")
    form.get_by_label("Side").select_option("buy")
    form.get_by_label("Type").select_option("limit")
    form.get_by_label("Quantity").fill("5")
    form.get_by_label("Limit price").fill("99")
    form.get_by_role("button", name="Place order").click()
    expect(page.get_by_test_id("open-orders")).to_contain_text("Buy 5 ACME limit")

    # The feed stores a price under the limit; the order fills and the page (polling) shows it.
    tick = threading.Thread(
        target=market_services.record_ticks,
        kwargs={"ticks": [{"symbol": "ACME", "price": 98.5, "time": datetime.now(UTC), "source": "simulated"}]},
    )
    tick.start()
    tick.join()
    expect(page.get_by_test_id("order-history").get_by_test_id("order-status")).to_have_text("filled", timeout=8_000)
    expect(page.get_by_test_id("open-orders")).to_contain_text("No open orders")
    expect(page.get_by_test_id("position-ACME")).to_have_text("5")
    expect(page.get_by_test_id("order-history")).to_contain_text("simulated")
    assert page.console_errors == []
