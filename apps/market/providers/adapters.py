"""Adapters for Polygon, Alpha Vantage and Yahoo Finance (daily and hourly history)."""

from datetime import UTC, datetime

from .base import Fetcher, HistoryQuery, ProviderError, RateLimited


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
        if data.get("status") == "ERROR":
            raise (
                RateLimited(f"polygon: {data.get('error', 'error')}")
                if "exceeded" in str(data.get("error", ""))
                else ProviderError(f"polygon: {data.get('error', 'error')}")
            )
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
        if "Note" in data or "Information" in data:  # the free tier's quota message
            raise RateLimited(f"alphavantage: {data.get('Note') or data.get('Information')}")
        if "Error Message" in data:
            raise ProviderError(f"alphavantage: {query.symbol} not found")
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


ADAPTERS = {cls.name: cls for cls in (Polygon, AlphaVantage, Yahoo)}
