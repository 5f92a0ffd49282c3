"""Fifty sells of one position at once: the position never goes negative and lots match it."""

from decimal import Decimal as D

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from apps.portfolio.models import Holding, TaxLot, Transaction
from tests.concurrency import run_concurrently
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1/portfolio/portfolios/"


def test_fifty_concurrent_sells_of_one_position(user):
    make_instrument("ACME", [100, 101])
    client = APIClient()
    client.force_authenticate(user)
    pid = client.post(API, {"name": "Race"}, format="json").json()["id"]
    for body in [
        {"type": "deposit", "amount": "10000", "trade_date": "2024-01-01"},
        {"type": "buy", "symbol": "ACME", "quantity": "20", "price": "100", "trade_date": "2024-01-02"},
        {"type": "buy", "symbol": "ACME", "quantity": "10", "price": "110", "trade_date": "2024-01-03"},
    ]:
        assert client.post(f"{API}{pid}/transactions/", body, format="json").status_code == 201

    def sell_one():
        c = APIClient()
        c.force_authenticate(user)
        body = {"type": "sell", "symbol": "ACME", "quantity": "1", "price": "120", "trade_date": "2024-01-04"}
        return c.post(f"{API}{pid}/transactions/", body, format="json").status_code

    statuses = run_concurrently(sell_one, calls=50, threads=10)
    assert statuses.count(201) == 30
    assert statuses.count(400) == 20
    assert not Holding.objects.filter(portfolio_id=pid).exists()
    assert TaxLot.objects.filter(portfolio_id=pid).aggregate(s=Sum("remaining"))["s"] == 0
    assert Transaction.objects.filter(portfolio_id=pid, type="sell").count() == 30
    realized = client.get(f"{API}{pid}/holdings/").json()["realized_pnl"]
    assert D(realized) == 20 * 20 + 10 * 10  # 20 sold over a 100 cost, 10 over a 110 cost


def test_concurrent_sells_leave_the_holding_equal_to_its_lots(user):
    make_instrument("ACME", [100, 101])
    client = APIClient()
    client.force_authenticate(user)
    pid = client.post(API, {"name": "Race 2"}, format="json").json()["id"]
    client.post(
        f"{API}{pid}/transactions/", {"type": "deposit", "amount": "10000", "trade_date": "2024-01-01"}, format="json"
    )
    for n in range(5):
        client.post(
            f"{API}{pid}/transactions/",
            {"type": "buy", "symbol": "ACME", "quantity": "7", "price": str(100 + n), "trade_date": "2024-01-02"},
            format="json",
        )

    def sell_some():
        c = APIClient()
        c.force_authenticate(user)
        body = {"type": "sell", "symbol": "ACME", "quantity": "3", "price": "120", "trade_date": "2024-01-04"}
        return c.post(f"{API}{pid}/transactions/", body, format="json").status_code

    statuses = run_concurrently(sell_some, calls=20, threads=10)
    assert statuses.count(201) == 11  # 35 held: eleven sales of 3, then 2 left
    holding = Holding.objects.get(portfolio_id=pid)
    assert holding.quantity == 2
    assert TaxLot.objects.filter(portfolio_id=pid).aggregate(s=Sum("remaining"))["s"] == holding.quantity


def test_every_committed_sale_across_processes_answers_2xx(user):
    """50 one-share sells of a 5-share holding from 5 processes at once: each sale that was stored
    answered 201 with its lots (built inside the transaction that wrote it), the rest 400."""
    from django.db import connection

    from tests.concurrency import run_in_processes

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database is not shared between processes")
    make_instrument("ACME", [100, 101])
    client = APIClient()
    client.force_authenticate(user)
    pid = client.post(API, {"name": "Race 3"}, format="json").json()["id"]
    client.post(
        f"{API}{pid}/transactions/", {"type": "deposit", "amount": "10000", "trade_date": "2024-01-01"}, format="json"
    )
    for n in range(5):
        client.post(
            f"{API}{pid}/transactions/",
            {"type": "buy", "symbol": "ACME", "quantity": "1", "price": str(100 + n), "trade_date": "2024-01-02"},
            format="json",
        )

    def sell_one():
        c = APIClient()
        c.force_authenticate(user)
        body = {"type": "sell", "symbol": "ACME", "quantity": "1", "price": "120", "trade_date": "2024-01-04"}
        response = c.post(f"{API}{pid}/transactions/", body, format="json")
        return response.status_code, response.json() if response.status_code == 201 else None

    answers = run_in_processes(sell_one, calls=50, processes=5, threads=10)
    statuses = [status for status, _ in answers]
    committed = Transaction.objects.filter(portfolio_id=pid, type="sell").count()
    assert len(statuses) == 50
    assert sorted(set(statuses)) == [201, 400]
    assert statuses.count(201) == committed == 5
    bodies = [body for status, body in answers if status == 201]
    assert sorted(b["id"] for b in bodies) == sorted(
        Transaction.objects.filter(portfolio_id=pid, type="sell").values_list("id", flat=True)
    )
    assert all(len(b["lots_consumed"]) == 1 and D(b["realized_pnl"]) > 0 for b in bodies)
    assert not Holding.objects.filter(portfolio_id=pid).exists()


def test_a_sales_answer_needs_no_query_after_its_transaction(user, django_assert_num_queries):
    """What a concurrent rebuild could remove once the sale commits (its realisations and lots) is
    loaded inside the sale's own transaction: building the answer afterwards reads nothing."""
    from datetime import date

    from apps.portfolio import services
    from apps.portfolio.api import transaction_output
    from tests.portfolio.conftest import fund, txn

    make_instrument("ACME", [100, 101])
    portfolio = services.create_portfolio(owner=user, name="Answers")
    fund(portfolio, user)
    for n in range(2):
        services.record_transaction(
            portfolio=portfolio, actor=user, data=txn("buy", date(2024, 1, 2), "ACME", quantity=1, price=100 + n)
        )
    recorded = services.record_transaction(
        portfolio=portfolio, actor=user, data=txn("sell", date(2024, 1, 4), "ACME", quantity=2, price=120)
    )
    with django_assert_num_queries(0):
        body = transaction_output(recorded.transaction, cash=recorded.ledger.cash)
    assert [lot["quantity"] for lot in body["lots_consumed"]] == ["1", "1"]
    assert D(body["realized_pnl"]) == 20 + 19
