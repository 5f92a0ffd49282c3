"""The ledger through the REST API: transactions, their errors, edits, idempotency, CSV, audit."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from apps.portfolio.models import AuditEntry, Holding, Portfolio, TaxLot, Transaction
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db
API = "/api/v1/portfolio/portfolios/"


@pytest.fixture
def pid(auth_client, acme):
    response = auth_client.post(API, {"name": "Main", "base_currency": "USD"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def post(client, pid, **body):
    return client.post(f"{API}{pid}/transactions/", body, format="json")


def funded(client, pid):
    assert post(client, pid, type="deposit", amount="10000", trade_date="2024-01-01").status_code == 201
    assert (
        post(
            client, pid, type="buy", symbol="ACME", quantity="10", price="100", fees="1", trade_date="2024-01-02"
        ).status_code
        == 201
    )
    assert (
        post(
            client, pid, type="buy", symbol="acme", quantity="10", price="120", fees="1", trade_date="2024-01-03"
        ).status_code
        == 201
    )


def test_create_and_list_portfolios(auth_client, pid):
    listing = auth_client.get(API).json()
    assert [p["name"] for p in listing["results"]] == ["Main"]
    assert listing["results"][0]["cash"] == "0E-8" or D(listing["results"][0]["cash"]) == 0
    dup = auth_client.post(API, {"name": "main"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()["error"]["fields"]
    bad = auth_client.post(API, {"name": "X", "base_currency": "DOLLARS", "cost_basis_method": "avg"}, format="json")
    assert set(bad.json()["error"]["fields"]) == {"base_currency", "cost_basis_method"}


def test_a_sale_answers_its_realized_pnl_and_the_lots_it_consumed(auth_client, pid):
    funded(auth_client, pid)
    sale = post(
        auth_client, pid, type="sell", symbol="ACME", quantity="15", price="130", fees="3", trade_date="2024-01-04"
    )
    assert sale.status_code == 201
    body = sale.json()
    assert body["realized_pnl"] == "345.5"  # 297 on the first lot + 48.5 on half the second
    assert [(lot["quantity"], lot["cost"], lot["realized_pnl"]) for lot in body["lots_consumed"]] == [
        ("10", "1001", "297"),
        ("5", "600.5", "48.5"),
    ]
    assert body["cash_after"] == str(10000 - 1001 - 1201 + 1947)
    holdings = auth_client.get(f"{API}{pid}/holdings/").json()
    (acme,) = holdings["holdings"]
    assert (acme["quantity"], acme["cost"]) == ("5", "600.5")
    assert [lot["remaining"] for lot in acme["lots"]] == ["5"]
    assert holdings["realized_pnl"] == "345.5"
    assert auth_client.get(f"{API}{pid}/assets/").json() == holdings


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "sell", "symbol": "ACME", "quantity": "21", "price": "1"}, "quantity"),
        ({"type": "withdrawal", "amount": "9999"}, "amount"),
        ({"type": "buy", "symbol": "ACME", "quantity": "0", "price": "1"}, "quantity"),
        ({"type": "buy", "symbol": "ACME", "quantity": "-1", "price": "1"}, "quantity"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1", "price": "0"}, "price"),
        ({"type": "buy", "symbol": "NOPE", "quantity": "1", "price": "1"}, "symbol"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1", "price": "1", "currency": "EUR"}, "currency"),
        ({"type": "deposit", "amount": "5", "currency": "EUR"}, "currency"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1", "price": "1", "trade_date": "2999-01-01"}, "trade_date"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1.123456789", "price": "1"}, "quantity"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1e400", "price": "1"}, "quantity"),
        ({"type": "split", "symbol": "ACME"}, "ratio"),
        ({"type": "swap", "amount": "1"}, "type"),
        ({"type": "deposit", "amount": "1", "symbol": "ACME"}, "symbol"),
        ({"type": "buy", "symbol": "ACME", "quantity": "1", "price": "1", "fees": "-1"}, "fees"),
        ({"type": "buy", "symbol": "ACME", "quantity": "100", "price": "1000"}, "quantity"),  # more than the cash
    ],
)
def test_bad_transactions_are_400_naming_the_field_and_change_nothing(auth_client, pid, body, field):
    funded(auth_client, pid)
    before = (
        Transaction.objects.count(),
        Portfolio.objects.get(pk=pid).cash,
        list(TaxLot.objects.values_list("remaining", flat=True)),
    )
    response = post(auth_client, pid, **{"trade_date": "2024-02-01", **body})
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    after = (
        Transaction.objects.count(),
        Portfolio.objects.get(pk=pid).cash,
        list(TaxLot.objects.values_list("remaining", flat=True)),
    )
    assert after == before


def test_editing_a_past_buy_recomputes_the_later_sale(auth_client, pid):
    funded(auth_client, pid)
    sale = post(
        auth_client, pid, type="sell", symbol="ACME", quantity="10", price="130", trade_date="2024-01-04"
    ).json()
    assert sale["realized_pnl"] == "299"  # 1300 − 1001
    first_buy = Transaction.objects.filter(type="buy").order_by("trade_date").first()
    edited = auth_client.patch(f"{API}{pid}/transactions/{first_buy.pk}/", {"price": "90"}, format="json")
    assert edited.status_code == 200, edited.json()
    again = auth_client.get(f"{API}{pid}/transactions/{sale['id']}/").json()
    assert again["realized_pnl"] == "399"  # 1300 − 901
    assert Portfolio.objects.get(pk=pid).cash == D(10000) - 901 - 1201 + 1300


def test_back_dating_a_sale_before_the_buys_is_refused(auth_client, pid):
    funded(auth_client, pid)
    sale = post(auth_client, pid, type="sell", symbol="ACME", quantity="5", price="1", trade_date="2024-01-01")
    assert sale.status_code == 400
    assert "position then is 0" in sale.json()["error"]["fields"]["quantity"][0]


def test_deleting_a_deposit_that_paid_for_later_buys_is_refused(auth_client, pid):
    funded(auth_client, pid)
    deposit = Transaction.objects.get(type="deposit")
    response = auth_client.delete(f"{API}{pid}/transactions/{deposit.pk}/")
    assert response.status_code == 400
    assert "would break transaction" in response.json()["error"]["fields"]["transaction"][0]
    assert Transaction.objects.filter(pk=deposit.pk).exists()


def test_deleting_a_sale_restores_the_lots(auth_client, pid):
    funded(auth_client, pid)
    sale = post(
        auth_client, pid, type="sell", symbol="ACME", quantity="20", price="130", trade_date="2024-01-04"
    ).json()
    assert not Holding.objects.exists()
    assert auth_client.delete(f"{API}{pid}/transactions/{sale['id']}/").status_code == 204
    assert Holding.objects.get().quantity == 20
    assert sorted(TaxLot.objects.values_list("remaining", flat=True)) == [10, 10]


def test_split_and_dividend_through_the_api(auth_client, pid):
    funded(auth_client, pid)
    assert post(auth_client, pid, type="split", symbol="ACME", ratio="2", trade_date="2024-01-05").status_code == 201
    assert (
        post(auth_client, pid, type="dividend", symbol="ACME", amount="44.04", trade_date="2024-01-08").status_code
        == 201
    )
    holding = auth_client.get(f"{API}{pid}/holdings/").json()["holdings"][0]
    assert (holding["quantity"], holding["cost"], holding["average_cost"]) == ("40", "2202", "55.05")
    dividends = auth_client.get(f"{API}{pid}/dividends/").json()
    (paid,) = dividends["dividends"]
    assert (paid["amount"], paid["per_share"], paid["yield_on_cost"]) == ("44.04", "1.101", "0.02")


def test_specific_lot_portfolio_sells_the_named_lot(auth_client, acme):
    pid = auth_client.post(API, {"name": "Lots", "cost_basis_method": "specific"}, format="json").json()["id"]
    funded(auth_client, pid)
    second = Transaction.objects.filter(type="buy").order_by("-trade_date").first()
    missing = post(auth_client, pid, type="sell", symbol="ACME", quantity="4", price="130", trade_date="2024-01-04")
    assert "lots" in missing.json()["error"]["fields"]
    sale = post(
        auth_client,
        pid,
        type="sell",
        symbol="ACME",
        quantity="4",
        price="130",
        trade_date="2024-01-04",
        lots=[{"lot": second.pk, "quantity": "4"}],
    ).json()
    assert sale["lots_consumed"][0]["lot"] == second.pk
    assert sale["realized_pnl"] == str(520 - D("480.4"))


def test_changing_the_cost_basis_method_replays_every_sale(auth_client, pid):
    funded(auth_client, pid)
    sale = post(
        auth_client, pid, type="sell", symbol="ACME", quantity="10", price="130", trade_date="2024-01-04"
    ).json()
    assert sale["realized_pnl"] == "299"
    assert auth_client.patch(f"{API}{pid}/", {"cost_basis_method": "lifo"}, format="json").status_code == 200
    assert auth_client.get(f"{API}{pid}/transactions/{sale['id']}/").json()["realized_pnl"] == "99"


def test_idempotency_key_replays_instead_of_recording_twice(auth_client, pid):
    body = {"type": "deposit", "amount": "500", "trade_date": "2024-01-01"}
    first = auth_client.post(f"{API}{pid}/transactions/", body, format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    second = auth_client.post(f"{API}{pid}/transactions/", body, format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Transaction.objects.count() == 1
    other = auth_client.post(
        f"{API}{pid}/transactions/", {**body, "amount": "600"}, format="json", HTTP_IDEMPOTENCY_KEY="dep-1"
    )
    assert other.status_code == 422


def test_listing_filters_and_paginates(auth_client, pid):
    funded(auth_client, pid)
    rows = auth_client.get(f"{API}{pid}/transactions/", {"type": "buy", "limit": 1}).json()
    assert rows["count"] == 2 and len(rows["results"]) == 1
    assert rows["results"][0]["trade_date"] == "2024-01-03"
    assert auth_client.get(f"{API}{pid}/transactions/", {"start": "nope"}).status_code == 400


def test_csv_import_is_all_or_nothing_with_line_numbers(auth_client, pid):
    good = (
        "date,type,symbol,quantity,price,fees,amount,currency,note\n"
        "2024-01-01,deposit,,,,,5000,USD,opening\n"
        "2024-01-02,buy,ACME,10,100,1,,USD,\n"
        "2024-01-05,sell,ACME,4,110,1,,USD,\n"
    )
    bad = good + "2024-01-06,sell,ACME,7,110,0,,USD,\n"  # only 6 left
    response = auth_client.post(f"{API}{pid}/transactions/import/", {"file": _file(bad)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == [
        "Line 5: quantity: Selling 7 ACME on 2024-01-06, but the position then is 6."
    ]
    assert Transaction.objects.count() == 0

    typo = good.replace("2024-01-02,buy,ACME,10", "2024-01-02,buy,ACME,ten")
    response = auth_client.post(f"{API}{pid}/transactions/import/", {"file": _file(typo)}, format="multipart")
    assert response.json()["error"]["fields"]["file"] == ["Line 3: quantity: 'ten' is not a number."]

    response = auth_client.post(f"{API}{pid}/transactions/import/", {"file": _file(good)}, format="multipart")
    assert response.status_code == 201 and response.json()["imported"] == 3
    exported = auth_client.get(f"{API}{pid}/transactions/export/")
    assert exported["Content-Type"].startswith("text/csv")
    lines = exported.content.decode().splitlines()
    assert lines[0] == "date,type,symbol,quantity,price,fees,amount,currency,ratio,note"
    assert lines[2] == "2024-01-02,buy,ACME,10,100,1,,USD,,"

    other = auth_client.post(API, {"name": "Copy"}, format="json").json()["id"]
    again = auth_client.post(
        f"{API}{other}/transactions/import/", {"file": _file(exported.content.decode())}, format="multipart"
    )
    assert again.status_code == 201
    assert auth_client.get(f"{API}{other}/holdings/").json()["holdings"][0]["quantity"] == "6"


def _file(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("broker.csv", text.encode(), content_type="text/csv")


def test_every_change_is_in_the_append_only_audit_trail(auth_client, pid, user):
    funded(auth_client, pid)
    buy = Transaction.objects.filter(type="buy").first()
    auth_client.patch(f"{API}{pid}/transactions/{buy.pk}/", {"note": "fixed"}, format="json")
    trail = auth_client.get(f"{API}{pid}/audit/").json()["results"]
    assert [e["action"] for e in trail][:2] == ["update", "create"]
    assert trail[0]["before"]["note"] == "" and trail[0]["after"]["note"] == "fixed"
    assert trail[0]["actor"] == user.email
    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


def test_another_users_portfolio_is_404_everywhere(auth_client, pid, other_user):
    from rest_framework.test import APIClient

    funded(auth_client, pid)
    txn = Transaction.objects.first()
    intruder = APIClient()
    intruder.force_authenticate(other_user)
    base = f"{API}{pid}/"
    for method, url in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("get", base + "transactions/"),
        ("post", base + "transactions/"),
        ("get", f"{base}transactions/{txn.pk}/"),
        ("delete", f"{base}transactions/{txn.pk}/"),
        ("post", base + "transactions/import/"),
        ("get", base + "transactions/export/"),
        ("get", base + "holdings/"),
        ("get", base + "performance/"),
        ("get", base + "analytics/"),
        ("get", base + "allocation/"),
        ("get", base + "dividends/"),
        ("get", base + "rebalance/"),
        ("put", base + "rebalance/"),
        ("post", base + "optimize/"),
        ("post", base + "backtests/"),
        ("get", base + "orders/"),
        ("post", base + "orders/"),
        ("get", base + "audit/"),
    ]:
        response = getattr(intruder, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert intruder.get(API).json()["results"] == []
    assert Transaction.objects.count() == 3


def test_portfolio_in_another_currency_refuses_usd_instruments(auth_client, acme):
    pid = auth_client.post(API, {"name": "Euro", "base_currency": "eur"}, format="json").json()["id"]
    make_instrument("SAP", [100, 101], currency="EUR")
    assert post(auth_client, pid, type="deposit", amount="1000", trade_date="2024-01-01").status_code == 201
    usd = post(auth_client, pid, type="buy", symbol="ACME", quantity="1", price="1", trade_date="2024-01-02")
    assert usd.status_code == 400 and "currency" in usd.json()["error"]["fields"]
    eur = post(auth_client, pid, type="buy", symbol="SAP", quantity="1", price="100", trade_date="2024-01-02")
    assert eur.status_code == 201 and eur.json()["currency"] == "EUR"


def test_future_date_means_after_today(auth_client, pid):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert post(auth_client, pid, type="deposit", amount="1", trade_date=tomorrow).status_code == 400
    assert post(auth_client, pid, type="deposit", amount="1", trade_date=date.today().isoformat()).status_code == 201


def test_holdings_read_a_fixed_number_of_queries(auth_client, pid, django_assert_num_queries):
    funded(auth_client, pid)
    for symbol in ("BBB", "CCC", "DDD"):
        make_instrument(symbol, [10, 11])
        post(auth_client, pid, type="buy", symbol=symbol, quantity="1", price="10", trade_date="2024-01-05")
    # Portfolio, holdings, their quotes, their bar intervals (for staleness), open lots, realised
    # sum, dividends sum: not one per holding.
    with django_assert_num_queries(7):
        body = auth_client.get(f"{API}{pid}/holdings/").json()
    assert len(body["holdings"]) == 4


def test_dividend_after_a_sale_needs_an_ex_date_inside_the_holding_period(auth_client, pid):
    funded(auth_client, pid)
    assert (
        post(
            auth_client, pid, type="buy", symbol="ACME", quantity="5", price="100", trade_date="2024-01-03"
        ).status_code
        == 201
    )
    assert (
        post(
            auth_client, pid, type="sell", symbol="ACME", quantity="25", price="110", trade_date="2024-02-01"
        ).status_code
        == 201
    )
    late = {"type": "dividend", "symbol": "ACME", "amount": "3", "trade_date": "2024-02-20"}
    refused = post(auth_client, pid, **late)
    assert refused.status_code == 400 and "ex_date" in refused.json()["error"]["message"]
    outside = post(auth_client, pid, **late, ex_date="2024-02-05")
    assert outside.status_code == 400 and "ex_date" in outside.json()["error"]["fields"]
    after_payment = post(auth_client, pid, **late, ex_date="2024-02-21")
    assert after_payment.status_code == 400 and "ex_date" in after_payment.json()["error"]["fields"]
    paid = post(auth_client, pid, **late, ex_date="2024-01-25")
    assert paid.status_code == 201 and paid.json()["ex_date"] == "2024-01-25"
    not_a_dividend = post(auth_client, pid, type="deposit", amount="1", trade_date="2024-02-20", ex_date="2024-02-01")
    assert not_a_dividend.status_code == 400 and "ex_date" in not_a_dividend.json()["error"]["fields"]
