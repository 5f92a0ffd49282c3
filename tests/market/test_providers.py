"""Provider adapters against recorded vendor answers, served over real HTTP by a local fake."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.core.errors import ServiceUnavailable
from apps.market import services
from apps.market.models import Instrument
from apps.market.providers.base import HistoryQuery
from apps.market.providers.registry import fetch, fetch_history
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


# --- quotes, fundamentals and news ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "prefix", "file"),
    [
        ("polygon", "/v2/snapshot/locale/us/markets/stocks/tickers/AAPL", "polygon_snapshot_AAPL.json"),
        ("alphavantage", "/query", "alphavantage_quote_AAPL.json"),
        ("yahoo", "/v8/finance/chart/AAPL", "yahoo_quote_AAPL.json"),
    ],
)
def test_each_adapter_normalises_its_quote(vendor, settings, provider, prefix, file):
    settings.MARKET_PROVIDERS = [provider]
    vendor.answer(prefix, 200, recorded(file))
    name, quote = fetch("quote", "AAPL")
    assert name == provider
    assert (quote["price"], quote["previous_close"], quote["volume"]) == ("181.18", "181.91", "62379661")
    assert quote["time"].date().isoformat() == "2024-01-05"


@pytest.mark.parametrize(
    ("provider", "prefix", "file", "expected"),
    [
        ("polygon", "/v3/reference/tickers/AAPL", "polygon_ticker_AAPL.json", ("2817934640000", None, None)),
        ("alphavantage", "/query", "alphavantage_overview_AAPL.json", ("2817934640000", "29.45", "6.15")),
    ],
)
def test_fundamentals_from_each_provider_that_has_them(vendor, settings, provider, prefix, file, expected):
    settings.MARKET_PROVIDERS = ["yahoo", provider]  # Yahoo has no fundamentals adapter: skipped
    vendor.answer(prefix, 200, recorded(file))
    name, data = fetch("fundamentals", "AAPL")
    assert name == provider
    assert (data["market_cap"], data["pe_ratio"], data["eps"]) == expected
    assert all(r["path"] == prefix for r in vendor.requests)


@pytest.mark.parametrize(
    ("provider", "prefix", "file", "headline", "published"),
    [
        ("polygon", "/v2/reference/news", "polygon_news_AAPL.json", "Apple Shares Slide", "2024-01-04T14:12:00+00:00"),
        ("alphavantage", "/query", "alphavantage_news_AAPL.json", "Apple Stock Soars", "2024-01-05T13:30:00+00:00"),
        ("yahoo", "/v1/finance/search", "yahoo_search_AAPL.json", "Apple Cuts Prices", "2024-01-05T09:30:00+00:00"),
    ],
)
def test_news_from_each_provider(vendor, settings, provider, prefix, file, headline, published):
    settings.MARKET_PROVIDERS = [provider]
    vendor.answer(prefix, 200, recorded(file))
    name, items = fetch("news", "AAPL")
    assert name == provider
    assert items[0]["headline"].startswith(headline)
    assert items[0]["published_at"].isoformat() == published
    assert "AAPL" in items[0]["symbols"] and items[0]["url"].startswith("https://")


def test_quote_falls_back_and_503_names_the_providers(vendor, settings):
    settings.MARKET_PROVIDERS = ["polygon", "alphavantage", "yahoo"]
    vendor.answer("/v2/snapshot", 500, {})
    vendor.answer("/v2/snapshot", 500, {})
    vendor.answer("/v2/snapshot", 500, {})
    vendor.answer("/query", 200, recorded("alphavantage_rate_limited.json"))
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_quote_AAPL.json"))
    assert fetch("quote", "AAPL")[0] == "yahoo"
    vendor.answer("/v2/snapshot", 403, {"status": "NOT_AUTHORIZED"})
    vendor.answer("/query", 200, recorded("alphavantage_rate_limited.json"))
    vendor.answer("/v8/finance/chart/AAPL", 404, {})
    with pytest.raises(ServiceUnavailable) as error:
        fetch("quote", "AAPL")
    assert "polygon (polygon: HTTP 403)" in str(error.value.detail)
    assert "alphavantage (rate limited)" in str(error.value.detail) and "yahoo" in str(error.value.detail)


@pytest.mark.django_db
def test_fundamentals_and_news_are_stored_and_served(vendor, settings, auth_client):
    settings.MARKET_PROVIDERS = ["alphavantage"]
    apple = Instrument.objects.create(symbol="AAPL", name="Apple Inc.")
    assert auth_client.get("/api/v1/market/stocks/AAPL/fundamentals").status_code == 404
    vendor.answer("/query", 200, recorded("alphavantage_overview_AAPL.json"))
    services.update_fundamentals(instrument=apple)
    body = auth_client.get("/api/v1/market/stocks/AAPL/fundamentals").json()
    assert (body["pe_ratio"], body["eps"], body["source"], body["as_of"]) == (
        "29.4500",
        "6.1500",
        "alphavantage",
        "2023-12-30",
    )
    assert body["data"]["Sector"] == "TECHNOLOGY" and "ForwardPE" not in body["data"]

    vendor.answer("/query", 200, recorded("alphavantage_news_AAPL.json"))
    added = services.update_news(instrument=apple)
    vendor.answer("/query", 200, recorded("alphavantage_news_AAPL.json"))
    assert services.update_news(instrument=apple) == []  # de-duplicated by URL
    (item,) = added
    assert item.sentiment_label == "positive" and list(item.instruments.all()) == [apple]
    news = auth_client.get("/api/v1/market/stocks/AAPL/news").json()
    assert [n["headline"] for n in news] == ["Apple Stock Soars After Record Holiday Quarter"]


@pytest.mark.django_db
def test_the_scheduled_refresh_updates_everything_and_survives_outages(vendor, settings):
    settings.MARKET_PROVIDERS = ["yahoo"]
    Instrument.objects.create(symbol="AAPL", name="Apple Inc.")
    assert services.refresh_market_data() == {"updated": 0, "failed": 0, "skipped": 1}
    settings.MARKET_AUTO_REFRESH = True
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_chart_AAPL.json"))
    vendor.answer("/v1/finance/search", 200, recorded("yahoo_search_AAPL.json"))
    # History and news from Yahoo; fundamentals: no provider has them here (counted, not raised).
    assert services.refresh_market_data() == {"updated": 2, "failed": 1}
    assert Instrument.objects.get(symbol="AAPL").bars.count() == 3


@pytest.mark.django_db
def test_the_feed_can_take_its_prices_from_the_providers(vendor, settings):
    from apps.market import feed

    settings.MARKET_PROVIDERS = ["yahoo"]
    settings.MARKET_QUOTE_SOURCE = "providers"
    settings.MARKET_PROVIDER_QUOTE_SECONDS = 0
    apple = Instrument.objects.create(symbol="AAPL", name="Apple Inc.")
    vendor.answer("/v8/finance/chart/AAPL", 200, recorded("yahoo_quote_AAPL.json"))
    assert feed.run(tick_seconds=0, iterations=1) == 1
    apple.refresh_from_db()
    assert (float(apple.quote.price), apple.quote.source, float(apple.quote.previous_close)) == (
        181.18,
        "yahoo",
        181.91,
    )
