"""The portfolio pages as a person uses them (forms, errors, charts' data, jobs)."""

import json
import re

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.portfolio import services
from apps.portfolio.models import Order, Portfolio, Transaction
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def book(user):
    rng = np.random.default_rng(5)
    make_instrument("AAA", list(np.round(100 * np.exp(np.cumsum(rng.normal(0.001, 0.02, 120))), 4)), sector="Tech")
    make_instrument("BBB", list(np.round(50 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, 120))), 4)), sector="Energy")
    portfolio = services.create_portfolio(owner=user, name="Book", benchmark="BBB")
    for body in [
        {"type": "deposit", "trade_date": "2024-01-01", "amount": "10000"},
        {"type": "buy", "trade_date": "2024-01-02", "symbol": "AAA", "quantity": "20", "price": "100"},
        {"type": "buy", "trade_date": "2024-01-02", "symbol": "BBB", "quantity": "40", "price": "50"},
        {"type": "sell", "trade_date": "2024-03-01", "symbol": "AAA", "quantity": "5", "price": "110"},
    ]:
        from datetime import date
        from decimal import Decimal

        services.record_transaction(
            portfolio=portfolio,
            actor=user,
            data=services.TransactionInput(
                **{
                    k: date.fromisoformat(v)
                    if k == "trade_date"
                    else Decimal(v)
                    if k in {"amount", "quantity", "price"}
                    else v
                    for k, v in body.items()
                }
            ),
        )
    return portfolio


def test_create_a_portfolio_from_the_list(logged_in):
    response = logged_in.post(
        "/portfolio/", {"name": "Retirement", "base_currency": "USD", "cost_basis_method": "fifo"}
    )
    portfolio = Portfolio.objects.get(name="Retirement")
    assert response["Location"] == f"/portfolio/{portfolio.pk}/"
    again = logged_in.post("/portfolio/", {"name": "retirement", "base_currency": "USD", "cost_basis_method": "fifo"})
    assert again.status_code == 400 and "already have a portfolio" in again.content.decode()
    assert "Retirement" in logged_in.get("/portfolio/").content.decode()


def test_dashboard_shows_holdings_lots_charts_and_realised_gains(logged_in, book):
    html = logged_in.get(f"/portfolio/{book.pk}/").content.decode()
    assert 'data-symbol="AAA"' in html and 'data-symbol="BBB"' in html
    assert "1 open lot" in html
    data = json.loads(
        re.search(r'<script id="portfolio-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert {row["name"] for row in data["allocation"]["asset"]} == {"AAA", "BBB", "Cash"}
    assert data["performance"][0]["date"] == "2024-01-01" and data["benchmark"] == "BBB"
    assert "50.00" in html  # realised: 5 × (110 − 100)
    assert " style=" not in html and "<script>" not in html


def test_record_a_trade_with_the_form(logged_in, book):
    url = f"/portfolio/{book.pk}/transactions/"
    form = {
        "txn-type": "buy",
        "txn-trade_date": "2024-04-01",
        "txn-symbol": "BBB",
        "txn-quantity": "10",
        "txn-price": "51",
        "txn-fees": "1",
    }
    response = logged_in.post(url, form)
    assert response.status_code == 302
    assert book.holdings.get(instrument__symbol="BBB").quantity == 50
    too_many = logged_in.post(url, {**form, "txn-type": "sell", "txn-quantity": "500"})
    assert too_many.status_code == 400
    assert "the position then is 50" in too_many.content.decode()
    future = logged_in.post(url, {**form, "txn-trade_date": "2999-01-01"})
    assert "is in the future" in future.content.decode()
    assert Transaction.objects.filter(portfolio=book).count() == 5


def test_import_errors_show_line_numbers_on_the_page(logged_in, book):
    csv = "date,type,symbol,quantity,price\n2024-05-01,buy,AAA,1,100\n2024-05-02,sell,ZZZ,1,100\n"
    response = logged_in.post(
        f"/portfolio/{book.pk}/transactions/import/", {"file": SimpleUploadedFile("b.csv", csv.encode())}
    )
    assert response.status_code == 400
    assert "Line 3: symbol: Unknown symbol" in response.content.decode()
    assert Transaction.objects.filter(portfolio=book).count() == 4


def test_delete_a_transaction_from_the_ledger_page(logged_in, book):
    sale = Transaction.objects.get(portfolio=book, type="sell")
    logged_in.post(f"/portfolio/{book.pk}/transactions/{sale.pk}/delete/")
    assert book.holdings.get(instrument__symbol="AAA").quantity == 20
    deposit = Transaction.objects.get(portfolio=book, type="deposit")
    response = logged_in.post(f"/portfolio/{book.pk}/transactions/{deposit.pk}/delete/", follow=True)
    assert "would break transaction" in response.content.decode()


def test_rebalance_page(logged_in, book):
    url = f"/portfolio/{book.pk}/rebalance/"
    assert "Set target weights" in logged_in.get(url).content.decode()
    bad = logged_in.post(url, {"targets": "AAA sixty"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()
    assert logged_in.post(url, {"targets": "AAA 50%\nBBB 0.3"}).status_code == 302
    html = logged_in.get(url, {"mode": "buy_only", "min_trade": "0"}).content.decode()
    assert 'data-testid="drift"' in html and "buy" in html


def test_place_and_cancel_paper_orders_on_the_page(logged_in, book):
    url = f"/portfolio/{book.pk}/orders/"
    filled = logged_in.post(
        url, {"symbol": "AAA", "side": "buy", "kind": "market", "quantity": "2", "time_in_force": "gtc"}
    )
    assert filled.status_code == 302
    assert Order.objects.get().status == "filled"
    logged_in.post(
        url,
        {"symbol": "AAA", "side": "buy", "kind": "limit", "quantity": "1", "limit_price": "1", "time_in_force": "day"},
    )
    resting = Order.objects.get(status="open")
    html = logged_in.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in html and f'data-order="{resting.pk}"' in html
    logged_in.post(f"{url}{resting.pk}/cancel/")
    assert Order.objects.get(pk=resting.pk).status == "cancelled"
    bad = logged_in.post(
        url, {"symbol": "AAA", "side": "sell", "kind": "market", "quantity": "1000", "time_in_force": "gtc"}
    )
    assert bad.status_code == 400 and "exceeds the position" in bad.content.decode()


def test_optimise_and_backtest_pages_run_jobs(logged_in, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            f"/portfolio/{book.pk}/optimize/",
            {"objective": "min_volatility", "min_weight": "0", "max_weight": "1", "risk_free": "0"},
        )
    assert response.status_code == 302
    html = logged_in.get(response["Location"]).content.decode()
    assert 'data-testid="optimize-result"' in html and 'id="optimize-data"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            f"/portfolio/{book.pk}/backtests/",
            {"strategy": "sma_cross", "initial_cash": "10000", "fast": "5", "slow": "20", "lower": "30", "upper": "70"},
        )
    html = logged_in.get(response["Location"]).content.decode()
    assert 'data-testid="backtest-result"' in html and "buy and hold" in html
    partial = logged_in.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<div") and "backtest-data" in partial
    bad = logged_in.post(
        f"/portfolio/{book.pk}/backtests/",
        {"strategy": "sma_cross", "initial_cash": "10000", "fast": "50", "slow": "20", "lower": "30", "upper": "70"},
    )
    assert bad.status_code == 400 and "shorter than the slow" in bad.content.decode()


def test_another_users_pages_are_404(client, other_user, book):
    client.force_login(other_user)
    for suffix in ["", "transactions/", "rebalance/", "orders/", "optimize/", "backtests/", "transactions/export/"]:
        assert client.get(f"/portfolio/{book.pk}/{suffix}").status_code == 404, suffix


def test_the_admin_shows_the_ledger_read_only(client, staff_user, book):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    for model in ("portfolio", "transaction", "taxlot", "order", "auditentry"):
        assert client.get(f"/admin/portfolio/{model}/").status_code == 200, model
    txn = Transaction.objects.filter(portfolio=book).first()
    page = client.get(f"/admin/portfolio/transaction/{txn.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/portfolio/transaction/{txn.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Transaction.objects.filter(pk=txn.pk).exists()
