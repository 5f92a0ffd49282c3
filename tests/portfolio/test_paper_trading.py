"""Paper orders: placement rules, fills from the feed's prices, cancel and expiry."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from apps.market import services as market_services
from apps.portfolio.models import Order, Transaction
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db
API = "/api/v1/portfolio/portfolios/"


@pytest.fixture
def pid(auth_client, db, settings):
    settings.PAPER_SLIPPAGE_BPS = 10
    settings.PAPER_FEE_BPS = 0
    settings.PAPER_FEE_FIXED = "1"
    make_instrument("ACME", [100, 100])
    pid = auth_client.post(API, {"name": "Paper"}, format="json").json()["id"]
    auth_client.post(
        f"{API}{pid}/transactions/", {"type": "deposit", "amount": "10000", "trade_date": "2024-01-01"}, format="json"
    )
    return pid


def order(client, pid, **body):
    return client.post(f"{API}{pid}/orders/", {"symbol": "ACME", **body}, format="json")


def tick(price, *, when=None, capture):
    with capture(execute=True):
        market_services.record_ticks(
            ticks=[{"symbol": "ACME", "price": price, "time": when or datetime.now(UTC), "source": "simulated"}]
        )


def test_a_market_order_fills_at_once_with_slippage_and_fees(auth_client, pid):
    response = order(auth_client, pid, side="buy", type="market", quantity="10")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["fill_price"], body["fees"], body["price_source"]) == (
        "filled",
        "100.1",
        "1",
        "last close",
    )
    txn = Transaction.objects.get(pk=body["transaction"])
    assert (txn.source, txn.type, txn.quantity, txn.price, txn.fees) == ("paper", "buy", 10, D("100.1"), 1)
    holdings = auth_client.get(f"{API}{pid}/holdings/").json()
    assert holdings["holdings"][0]["quantity"] == "10"
    assert holdings["cash"] == str(D(10000) - D("1001") - 1)


def test_a_limit_order_waits_for_the_price_to_cross(auth_client, pid, django_capture_on_commit_callbacks):
    placed = order(auth_client, pid, side="buy", type="limit", quantity="5", limit_price="95").json()
    assert placed["status"] == "open"
    tick(97, capture=django_capture_on_commit_callbacks)
    assert Order.objects.get(pk=placed["id"]).status == "open"
    tick(94, capture=django_capture_on_commit_callbacks)
    filled = auth_client.get(f"{API}{pid}/orders/{placed['id']}/").json()
    assert (filled["status"], filled["fill_price"], filled["price_source"]) == ("filled", "94.094", "simulated")


def test_stop_loss_and_stop_limit_sells(auth_client, pid, django_capture_on_commit_callbacks):
    order(auth_client, pid, side="buy", type="market", quantity="10")
    stop = order(auth_client, pid, side="sell", type="stop", quantity="4", stop_price="90").json()
    stop_limit = order(
        auth_client, pid, side="sell", type="stop_limit", quantity="4", stop_price="92", limit_price="91"
    ).json()
    tick(91.5, capture=django_capture_on_commit_callbacks)  # the stop-limit triggers and fills at ≥ 91
    assert Order.objects.get(pk=stop_limit["id"]).status == "filled"
    assert Order.objects.get(pk=stop["id"]).status == "open"
    tick(89, capture=django_capture_on_commit_callbacks)
    done = Order.objects.get(pk=stop["id"])
    assert (done.status, done.fill_price) == ("filled", D("88.911"))
    assert auth_client.get(f"{API}{pid}/holdings/").json()["holdings"][0]["quantity"] == "2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"side": "sell", "type": "market", "quantity": "1"}, "quantity"),  # nothing held
        ({"side": "buy", "type": "market", "quantity": "1000"}, "quantity"),  # more than the cash
        ({"side": "buy", "type": "limit", "quantity": "1"}, "limit_price"),
        ({"side": "buy", "type": "stop", "quantity": "1", "limit_price": "5", "stop_price": "5"}, "limit_price"),
        ({"side": "buy", "type": "stop_limit", "quantity": "1", "limit_price": "5"}, "stop_price"),
        ({"side": "buy", "type": "market", "quantity": "0"}, "quantity"),
        ({"side": "hold", "type": "market", "quantity": "1"}, "side"),
        ({"side": "buy", "type": "iceberg", "quantity": "1"}, "type"),
        ({"side": "buy", "type": "market", "quantity": "1", "time_in_force": "ioc"}, "time_in_force"),
        ({"side": "buy", "type": "market", "quantity": "1", "symbol": "NOPE"}, "symbol"),
    ],
)
def test_bad_orders_are_400_naming_the_field(auth_client, pid, body, field):
    response = order(auth_client, pid, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Order.objects.exists()


def test_open_orders_reserve_cash_and_shares(auth_client, pid):
    order(auth_client, pid, side="buy", type="market", quantity="10")
    assert order(auth_client, pid, side="sell", type="limit", quantity="8", limit_price="200").status_code == 201
    over = order(auth_client, pid, side="sell", type="limit", quantity="3", limit_price="200")
    assert "less 8 in open sell orders" in over.json()["error"]["fields"]["quantity"][0]
    resting = order(auth_client, pid, side="buy", type="limit", quantity="80", limit_price="99").json()
    assert resting["status"] == "open"  # below the price: it rests, holding about 7,929 of the 8,998 cash
    too_much = order(auth_client, pid, side="buy", type="limit", quantity="11", limit_price="99")
    assert "after open buy orders" in too_much.json()["error"]["fields"]["quantity"][0]


def test_a_fill_the_ledger_refuses_rejects_the_order(auth_client, pid, django_capture_on_commit_callbacks):
    placed = order(auth_client, pid, side="buy", type="limit", quantity="90", limit_price="99").json()
    auth_client.post(
        f"{API}{pid}/transactions/", {"type": "withdrawal", "amount": "9500", "trade_date": "2024-01-02"}, format="json"
    )
    tick(98, capture=django_capture_on_commit_callbacks)
    rejected = Order.objects.get(pk=placed["id"])
    assert rejected.status == "rejected" and "cash balance" in rejected.reason
    assert not Transaction.objects.filter(source="paper").exists()


def test_cancel(auth_client, pid):
    placed = order(auth_client, pid, side="buy", type="limit", quantity="1", limit_price="50").json()
    cancelled = auth_client.post(f"{API}{pid}/orders/{placed['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    again = auth_client.post(f"{API}{pid}/orders/{placed['id']}/cancel/")
    assert again.status_code == 400 and "cancelled" in again.json()["error"]["fields"]["status"][0]


def test_day_orders_expire_after_their_day(auth_client, pid, django_capture_on_commit_callbacks):
    day = order(auth_client, pid, side="buy", type="limit", quantity="1", limit_price="50", time_in_force="day").json()
    gtc = order(auth_client, pid, side="buy", type="limit", quantity="1", limit_price="50").json()
    Order.objects.filter(pk__in=[day["id"], gtc["id"]]).update(created_at=datetime.now(UTC) - timedelta(days=1))
    tick(49, capture=django_capture_on_commit_callbacks)
    assert Order.objects.get(pk=day["id"]).status == "expired"
    assert Order.objects.get(pk=gtc["id"]).status == "filled"

    from apps.portfolio import services

    late = order(auth_client, pid, side="buy", type="limit", quantity="1", limit_price="10", time_in_force="day").json()
    Order.objects.filter(pk=late["id"]).update(created_at=datetime.now(UTC) - timedelta(days=2))
    assert services.expire_day_orders() == 1


def test_market_order_needs_a_price(auth_client, pid):
    make_instrument("NEW", [])
    response = order(auth_client, pid, side="buy", type="market", quantity="1", symbol="NEW")
    assert response.status_code == 400 and "No price" in response.json()["error"]["fields"]["symbol"][0]


def test_orders_list_by_status(auth_client, pid):
    order(auth_client, pid, side="buy", type="market", quantity="1")
    order(auth_client, pid, side="buy", type="limit", quantity="1", limit_price="1")
    assert [o["status"] for o in auth_client.get(f"{API}{pid}/orders/", {"status": "open"}).json()["results"]] == [
        "open"
    ]
    assert auth_client.get(f"{API}{pid}/orders/", {"status": "weird"}).status_code == 400
