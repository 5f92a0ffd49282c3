import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.market import selectors
from apps.market.models import Bar, Instrument, Quote
from apps.portfolio import services as portfolio_services
from tests.fakes.http_server import FakeVendor

pytestmark = pytest.mark.django_db
RECORDED = Path(__file__).parent / "recorded"
GOOD_CSV = b"date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10.5,12,10,11.75,200\n"


@pytest.fixture
def page(client, user):
    client.force_login(user)
    return client


def test_the_market_page_has_the_form(page, settings):
    settings.MARKET_PROVIDERS = []
    html = page.get("/market/").content.decode()
    assert 'data-testid="add-instrument"' in html and "No data provider is configured" in html


def test_add_from_an_uploaded_csv_then_watch_and_buy(page, user):
    upload = SimpleUploadedFile("acme.csv", GOOD_CSV, content_type="text/csv")
    response = page.post(
        "/market/add/", {"symbol": "acme", "name": "Acme Corp", "asset_type": "stock", "interval": "1d", "bars": upload}
    )
    assert response.status_code == 302 and response["Location"] == "/market/ACME/"
    acme = Instrument.objects.get(symbol="ACME")
    assert acme.name == "Acme Corp" and acme.data_source == "uploaded file"
    assert Bar.objects.filter(instrument=acme).count() == 2
    assert str(Quote.objects.get(instrument=acme).price) == "11.75000000"
    page.post("/market/ACME/watch/")
    assert [i.symbol for i in selectors.watchlist(user=user)] == ["ACME"]
    portfolio = portfolio_services.create_portfolio(owner=user, name="Main")
    portfolio_services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=portfolio_services.TransactionInput(type="deposit", trade_date=date(2024, 1, 2), amount=Decimal(1000)),
    )
    portfolio_services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=portfolio_services.TransactionInput(
            type="buy", trade_date=date(2024, 1, 3), symbol="acme", quantity=Decimal(10), price=Decimal("11.75")
        ),
    )
    assert portfolio.holdings.get().instrument == acme


def test_bad_rows_are_listed_and_nothing_is_added(page):
    bad = (
        b"date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n"
        b"2024-01-03,ten,12,10,11,200\nnot-a-date,1,1,1,1,1\n"
    )
    response = page.post(
        "/market/add/",
        {"symbol": "BAD", "asset_type": "stock", "interval": "1d", "bars": SimpleUploadedFile("b.csv", bad)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "line 3" in html and "line 4" in html
    assert not Instrument.objects.filter(symbol="BAD").exists() and Bar.objects.count() == 0


def test_without_providers_or_file_the_form_says_so(page, settings):
    settings.MARKET_PROVIDERS = []
    response = page.post("/market/add/", {"symbol": "AAPL", "asset_type": "stock", "interval": "1d"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No data provider is configured" in html and "Upload a CSV" in html
    assert not Instrument.objects.filter(symbol="AAPL").exists()


def test_taken_and_malformed_symbols_are_field_errors(page, goog):
    response = page.post(
        "/market/add/",
        {"symbol": "goog", "asset_type": "stock", "interval": "1d", "bars": SimpleUploadedFile("g.csv", GOOD_CSV)},
    )
    assert response.status_code == 400 and "GOOG already exists." in response.content.decode()
    response = page.post("/market/add/", {"symbol": "no spaces!", "asset_type": "stock", "interval": "1d"})
    assert response.status_code == 400 and "Letters, digits" in response.content.decode()
    assert Instrument.objects.count() == 1


@pytest.fixture
def vendor(settings):
    fake = FakeVendor()
    settings.MARKET_PROVIDER_SETTINGS = {"yahoo": {"per_minute": 100, "base_url": fake.url}}
    settings.MARKET_PROVIDERS = ["yahoo"]
    yield fake
    fake.close()


def test_add_from_the_provider(page, vendor):
    vendor.answer("/v8/finance/chart/AAPL", 200, json.loads((RECORDED / "yahoo_chart_AAPL.json").read_text()))
    response = page.post("/market/add/", {"symbol": "AAPL", "asset_type": "stock", "interval": "1d"})
    assert response.status_code == 302
    aapl = Instrument.objects.get(symbol="AAPL")
    assert aapl.data_source == "yahoo" and aapl.bars.count() == 3


def test_provider_offline_is_a_form_error(page, vendor):
    vendor.answer("/v8/finance/chart/AAPL", 503, {"error": "down"})
    vendor.answer("/v8/finance/chart/AAPL", 503, {"error": "down"})
    vendor.answer("/v8/finance/chart/AAPL", 503, {"error": "down"})
    response = page.post("/market/add/", {"symbol": "AAPL", "asset_type": "stock", "interval": "1d"})
    assert response.status_code == 400
    assert "No data provider answered for AAPL" in response.content.decode()
    assert not Instrument.objects.filter(symbol="AAPL").exists()
