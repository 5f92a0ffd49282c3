"""Provider adapters against recorded vendor answers, served over real HTTP by a local fake."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.core.errors import ServiceUnavailable
from apps.market import services
from apps.market.models import Instrument
from apps.market.providers.base import HistoryQuery
from apps.market.providers.registry import fetch_history
from tests.fakes.http_server import FakeVendor

RECORDED = Path(__file__).parent / "recorded"
QUERY = HistoryQuery(
    symbol="AAPL", interval="1d", start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 1, 5, tzinfo=UTC)
)


def recorded(name: str):
    return json.loads((RECORDED / name).read_text())


@pytest.fixture
def vendor(settings):
    fake = FakeVendor()
    settings.MARKET_PROVIDER_SETTINGS = {
        "polygon": {"api_key": "pk", "per_minute": 100, "base_url": fake.url},
        "alphavantage": {"api_key": "ak", "per_minute": 100, "base_url": fake.url},
        "yahoo": {"per_minute": 100, "base_url": fake.url},
    }
    yield fake
    fake.close()


@pytest.mark.parametrize(
    ("provider", "prefix", "file"),
    [
        ("polygon", "/v2/aggs/ticker/AAPL", "polygon_aggs_AAPL.json"),
        ("alphavantage", "/query", "alphavantage_daily_AAPL.json"),
        ("yahoo", "/v8/finance/chart/AAPL", "yahoo_chart_AAPL.json"),
    ],
)
def test_each_adapter_normalises_its_vendor(vendor, settings, provider, prefix, file):
    settings.MARKET_PROVIDERS = [provider]
    vendor.answer(prefix, 200, recorded(file))
    name, bars = fetch_history(QUERY)
    assert name == provider
    assert [b["time"].date().isoformat() for b in bars] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert float(bars[0]["open"]) == 187.15 and float(bars[-1]["close"]) == 181.91
    sent = vendor.requests[0]["query"]
    assert sent.get("apiKey", sent.get("apikey", "none")) in {"pk", "ak", "none"}


def test_fallback_past_a_rate_limit_and_an_outage(vendor, settings):
    settings.MARKET_PROVIDERS = ["polygon", "alphavantage", "yahoo"]
    vendor.answer("/v2/aggs", 429, {"status": "ERROR", "error": "You've exceeded the maximum requests per minute"})
    vendor.answer("/query", 200, recorded("alphavantage_rate_limited.json"))
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_chart_AAPL.json"))
    name, bars = fetch_history(QUERY)
    assert name == "yahoo" and len(bars) == 3


def test_transient_errors_are_retried(vendor, settings):
    settings.MARKET_PROVIDERS = ["yahoo"]
    vendor.answer("/v8/finance/chart/AAPL", 502, {"error": "bad gateway"})
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_chart_AAPL.json"))
    assert fetch_history(QUERY)[0] == "yahoo"
    assert len(vendor.requests) == 2


def test_all_down_is_503_naming_each_provider(vendor, settings):
    settings.MARKET_PROVIDERS = ["polygon", "yahoo"]
    vendor.answer("/v2/aggs", 429, {})
    vendor.answer("/v8/finance/chart/AAPL", 404, {"chart": {"result": None, "error": {"code": "Not Found"}}})
    with pytest.raises(ServiceUnavailable) as error:
        fetch_history(QUERY)
    assert "polygon (rate limited)" in str(error.value.detail) and "yahoo (yahoo: AAPL not found)" in str(
        error.value.detail
    )


def test_our_own_per_provider_rate_limit(vendor, settings):
    settings.MARKET_PROVIDERS = ["polygon", "yahoo"]
    settings.MARKET_PROVIDER_SETTINGS["polygon"]["per_minute"] = 0
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_chart_AAPL.json"))
    assert fetch_history(QUERY)[0] == "yahoo"
    assert all(not r["path"].startswith("/v2") for r in vendor.requests)


def test_keyless_providers_are_skipped_and_none_left_is_503(settings):
    settings.MARKET_PROVIDERS = ["polygon"]
    settings.MARKET_PROVIDER_SETTINGS = {"polygon": {"api_key": "", "base_url": "http://127.0.0.1:1"}}
    with pytest.raises(ServiceUnavailable):
        fetch_history(QUERY)


@pytest.mark.django_db
def test_update_history_stores_the_bars(vendor, settings):
    settings.MARKET_PROVIDERS = ["alphavantage"]
    vendor.answer("/query", 200, recorded("alphavantage_daily_AAPL.json"))
    apple = Instrument.objects.create(symbol="AAPL", name="Apple Inc.")
    provider, count = services.update_history(instrument=apple, interval="1d", start=QUERY.start, end=QUERY.end)
    assert (provider, count) == ("alphavantage", 3)
    apple.refresh_from_db()
    assert apple.data_source == "alphavantage" and float(apple.quote.price) == 181.91
