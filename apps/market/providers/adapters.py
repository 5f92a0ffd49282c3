"""Adapters for Polygon, Alpha Vantage and Yahoo Finance: history (daily and hourly), quotes,
fundamentals (Polygon, Alpha Vantage) and news."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from .base import FUNDAMENTALS, HISTORY, NEWS, QUOTE, Fetcher, HistoryQuery, ProviderError, RateLimited


def _number(value) -> str | None:
    """A vendor's number as a plain decimal string ("181.1800" → "181.18"; ``None``, "None", "-"
    and "" are missing)."""
    if value in (None, "", "None", "-", "N/A"):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return format(number.normalize(), "f") if number.is_finite() else None


def _in_range(bars: list[dict], query: HistoryQuery) -> list[dict]:
    return sorted((b for b in bars if query.start <= b["time"] <= query.end), key=lambda b: b["time"])


class Polygon(Fetcher):
    name = "polygon"
    intervals = frozenset({"1d", "1h"})

    def transform_query(self, query):
        multiplier, span = ("1", "day") if query.interval == "1d" else ("1", "hour")
        dates = f"{query.start:%Y-%m-%d}/{query.end:%Y-%m-%d}"
        path = f"/v2/aggs/ticker/{query.symbol.upper()}/range/{multiplier}/{span}/{dates}"
        return path, {"adjusted": "true", "sort": "asc", "limit": "50000", "apiKey": self.api_key}

    def transform_data(self, query, data):
        self._check(data)
        results = data.get("results") or []
        if not results:
            raise ProviderError(f"polygon: no bars for {query.symbol}")
        return _in_range(
            [
                {
                    "time": datetime.fromtimestamp(r["t"] / 1000, tz=UTC),
                    "open": r["o"],
                    "high": r["h"],
                    "low": r["l"],
                    "close": r["c"],
                    "volume": r.get("v", 0),
                }
                for r in results
            ],
            query,
        )

    kinds = frozenset({HISTORY, QUOTE, FUNDAMENTALS, NEWS})

    def quote_request(self, symbol):
        return f"/v2/snapshot/locale/us/markets/stocks/tickers/{symbol.upper()}", {"apiKey": self.api_key}

    def transform_quote(self, symbol, data):
        self._check(data)
        ticker = data.get("ticker") or {}
        trade, day, previous = ticker.get("lastTrade") or {}, ticker.get("day") or {}, ticker.get("prevDay") or {}
        price = trade.get("p") or day.get("c")
        if not price:
            raise ProviderError(f"polygon: no quote for {symbol}")
        stamp = trade.get("t") or ticker.get("updated")  # nanoseconds
        return {
            "price": _number(price),
            "previous_close": _number(previous.get("c")),
            "volume": _number(day.get("v")),
            "time": datetime.fromtimestamp(stamp / 1e9, tz=UTC) if stamp else datetime.now(UTC),
        }

    def fundamentals_request(self, symbol):
        return f"/v3/reference/tickers/{symbol.upper()}", {"apiKey": self.api_key}

    def transform_fundamentals(self, symbol, data):
        self._check(data)
        result = data.get("results")
        if not result:
            raise ProviderError(f"polygon: no reference data for {symbol}")
        return {
            "market_cap": _number(result.get("market_cap")),
            "pe_ratio": None,
            "eps": None,
            "dividend_yield": None,
            "as_of": date.today(),
            "data": {
                k: result.get(k)
                for k in ("name", "description", "sic_description", "total_employees", "list_date", "homepage_url")
                if result.get(k) is not None
            },
        }

    def news_request(self, symbol):
        return "/v2/reference/news", {"ticker": symbol.upper(), "limit": "50", "order": "desc", "apiKey": self.api_key}

    def transform_news(self, symbol, data):
        self._check(data)
        return [
            {
                "headline": item["title"],
                "summary": item.get("description") or "",
                "source": (item.get("publisher") or {}).get("name") or "Polygon",
                "url": item["article_url"],
                "published_at": datetime.fromisoformat(item["published_utc"].replace("Z", "+00:00")),
                "symbols": item.get("tickers") or [symbol],
            }
            for item in data.get("results") or []
            if item.get("title") and item.get("article_url")
        ]

    @staticmethod
    def _check(data):
        if data.get("status") == "ERROR":
            message = str(data.get("error", "error"))
            raise RateLimited(f"polygon: {message}") if "exceeded" in message else ProviderError(f"polygon: {message}")


class AlphaVantage(Fetcher):
    name = "alphavantage"
    intervals = frozenset({"1d", "1h"})

    def transform_query(self, query):
        params = {"symbol": query.symbol.upper(), "outputsize": "full", "apikey": self.api_key}
        if query.interval == "1d":
            params["function"] = "TIME_SERIES_DAILY"
        else:
            params.update(function="TIME_SERIES_INTRADAY", interval="60min")
        return "/query", params

    def transform_data(self, query, data):
        self._check(data, query.symbol)  # the free tier's quota note is a 200 with "Note"
        series_key = next((k for k in data if k.startswith("Time Series")), None)
        if series_key is None:
            raise ProviderError("alphavantage: no time series in the answer")
        bars = []
        for stamp, values in data[series_key].items():
            moment = datetime.fromisoformat(stamp)
            bars.append(
                {
                    "time": moment if moment.tzinfo else moment.replace(tzinfo=UTC),
                    "open": values["1. open"],
                    "high": values["2. high"],
                    "low": values["3. low"],
                    "close": values["4. close"],
                    "volume": values.get("5. volume", 0),
                }
            )
        return _in_range(bars, query)

    kinds = frozenset({HISTORY, QUOTE, FUNDAMENTALS, NEWS})

    def _params(self, function: str, **extra) -> dict:
        return {"function": function, "apikey": self.api_key, **extra}

    @staticmethod
    def _check(data, symbol):
        if "Note" in data or "Information" in data:
            raise RateLimited(f"alphavantage: {data.get('Note') or data.get('Information')}")
        if "Error Message" in data:
            raise ProviderError(f"alphavantage: {symbol} not found")

    def quote_request(self, symbol):
        return "/query", self._params("GLOBAL_QUOTE", symbol=symbol.upper())

    def transform_quote(self, symbol, data):
        self._check(data, symbol)
        quote = data.get("Global Quote") or {}
        if not quote.get("05. price"):
            raise ProviderError(f"alphavantage: no quote for {symbol}")
        day = datetime.fromisoformat(quote["07. latest trading day"]).replace(tzinfo=UTC)
        return {
            "price": _number(quote["05. price"]),
            "previous_close": _number(quote.get("08. previous close")),
            "volume": _number(quote.get("06. volume")),
            "time": day,
        }

    def fundamentals_request(self, symbol):
        return "/query", self._params("OVERVIEW", symbol=symbol.upper())

    def transform_fundamentals(self, symbol, data):
        self._check(data, symbol)
        if not data.get("Symbol"):
            raise ProviderError(f"alphavantage: no overview for {symbol}")
        as_of = data.get("LatestQuarter")
        return {
            "market_cap": _number(data.get("MarketCapitalization")),
            "pe_ratio": _number(data.get("PERatio")),
            "eps": _number(data.get("EPS")),
            "dividend_yield": _number(data.get("DividendYield")),
            "as_of": date.fromisoformat(as_of) if as_of else date.today(),
            "data": {
                k: data[k]
                for k in ("Name", "Sector", "Industry", "Exchange", "Currency", "Beta", "52WeekHigh", "52WeekLow")
                if data.get(k) not in (None, "None")
            },
        }

    def news_request(self, symbol):
        return "/query", self._params("NEWS_SENTIMENT", tickers=symbol.upper(), limit="50")

    def transform_news(self, symbol, data):
        self._check(data, symbol)
        items = []
        for item in data.get("feed") or []:
            if not item.get("title") or not item.get("url"):
                continue
            items.append(
                {
                    "headline": item["title"],
                    "summary": item.get("summary") or "",
                    "source": item.get("source") or "Alpha Vantage",
                    "url": item["url"],
                    "published_at": datetime.strptime(item["time_published"], "%Y%m%dT%H%M%S").replace(tzinfo=UTC),
                    "symbols": [t["ticker"] for t in item.get("ticker_sentiment") or []] or [symbol],
                }
            )
        return items


class Yahoo(Fetcher):
    name = "yahoo"
    requires_key = False
    intervals = frozenset({"1d", "1h", "1wk", "1mo"})

    def transform_query(self, query):
        return f"/v8/finance/chart/{query.symbol.upper()}", {
            "period1": int(query.start.timestamp()),
            "period2": int(query.end.timestamp()),
            "interval": {"1d": "1d", "1h": "60m", "1wk": "1wk", "1mo": "1mo"}[query.interval],
        }

    def transform_data(self, query, data):
        chart = data.get("chart") or {}
        if chart.get("error"):
            raise ProviderError(f"yahoo: {chart['error'].get('description', 'error')}")
        result = (chart.get("result") or [None])[0]
        if not result or not result.get("timestamp"):
            raise ProviderError(f"yahoo: no bars for {query.symbol}")
        quote = result["indicators"]["quote"][0]
        bars = []
        for i, stamp in enumerate(result["timestamp"]):
            values = [quote[k][i] for k in ("open", "high", "low", "close")]
            if any(v is None for v in values):  # Yahoo leaves holes for halted sessions
                continue
            bars.append(
                {
                    "time": datetime.fromtimestamp(stamp, tz=UTC),
                    "open": values[0],
                    "high": values[1],
                    "low": values[2],
                    "close": values[3],
                    "volume": quote["volume"][i] or 0,
                }
            )
        return _in_range(bars, query)

    kinds = frozenset({HISTORY, QUOTE, NEWS})

    def quote_request(self, symbol):
        return f"/v8/finance/chart/{symbol.upper()}", {"range": "1d", "interval": "1m"}

    def transform_quote(self, symbol, data):
        chart = data.get("chart") or {}
        if chart.get("error"):
            raise ProviderError(f"yahoo: {chart['error'].get('description', 'error')}")
        meta = ((chart.get("result") or [None])[0] or {}).get("meta") or {}
        if meta.get("regularMarketPrice") is None:
            raise ProviderError(f"yahoo: no quote for {symbol}")
        return {
            "price": _number(meta["regularMarketPrice"]),
            "previous_close": _number(meta.get("chartPreviousClose") or meta.get("previousClose")),
            "volume": _number(meta.get("regularMarketVolume")),
            "time": datetime.fromtimestamp(meta.get("regularMarketTime") or 0, tz=UTC),
        }

    def news_request(self, symbol):
        return "/v1/finance/search", {"q": symbol.upper(), "newsCount": "20", "quotesCount": "0"}

    def transform_news(self, symbol, data):
        return [
            {
                "headline": item["title"],
                "summary": "",
                "source": item.get("publisher") or "Yahoo Finance",
                "url": item["link"],
                "published_at": datetime.fromtimestamp(item["providerPublishTime"], tz=UTC),
                "symbols": item.get("relatedTickers") or [symbol],
            }
            for item in data.get("news") or []
            if item.get("title") and item.get("link") and item.get("providerPublishTime")
        ]


ADAPTERS = {cls.name: cls for cls in (Polygon, AlphaVantage, Yahoo)}
