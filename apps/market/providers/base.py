"""Market-data providers behind one interface, in the shape of OpenBB's fetchers: for each kind of
data, a request (our query → the vendor's path and parameters) → ``get`` (HTTP, errors mapped) →
a ``transform_*`` (the vendor's JSON → our normalised shape). Each adapter is small; the loop with
rate limits, retries and fallback lives in ``registry``.

Kinds and their normalised shapes:
- ``history``: bars ``{"time": aware datetime, "open", "high", "low", "close", "volume"}``, oldest first;
- ``quote``: ``{"price", "previous_close", "volume", "time"}``;
- ``fundamentals``: ``{"market_cap", "pe_ratio", "eps", "dividend_yield", "as_of", "data"}``;
- ``news``: ``[{"headline", "summary", "source", "url", "published_at", "symbols"}]``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx


class ProviderError(Exception):
    """The provider could not answer this query (unknown symbol, bad response, outage)."""


class TransientError(ProviderError):
    """A 5xx or a dropped connection: worth one more try."""


class RateLimited(ProviderError):
    """The provider refused because of its rate limit (HTTP 429 or a quota note)."""


@dataclass(frozen=True)
class HistoryQuery:
    symbol: str
    interval: str
    start: datetime
    end: datetime


HISTORY, QUOTE, FUNDAMENTALS, NEWS = "history", "quote", "fundamentals", "news"


class Fetcher:
    name: str = ""
    requires_key: bool = True
    intervals: frozenset[str] = frozenset({"1d"})
    kinds: frozenset[str] = frozenset({HISTORY})

    def __init__(self, *, base_url: str, api_key: str = ""):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    # --- HTTP, shared by every kind -----------------------------------------------------------

    def get(self, path: str, params: dict[str, Any], client: httpx.Client, *, symbol: str) -> Any:
        response = client.get(f"{self.base_url}{path}", params=params)
        if response.status_code == 429:
            raise RateLimited(f"{self.name}: HTTP 429")
        if response.status_code == 404:
            raise ProviderError(f"{self.name}: {symbol} not found")
        if response.status_code >= 500:
            raise TransientError(f"{self.name}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ProviderError(f"{self.name}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.name}: the answer is not JSON") from exc

    def fetch(self, kind: str, query, client: httpx.Client) -> Any:
        """One kind of data for ``query`` (a ``HistoryQuery`` or a symbol), normalised."""
        symbol = query.symbol if isinstance(query, HistoryQuery) else query
        path, params = getattr(self, f"{kind}_request")(query)
        return getattr(self, f"transform_{kind}")(query, self.get(path, params, client, symbol=symbol))

    # --- history (every adapter) --------------------------------------------------------------

    def history_request(self, query: HistoryQuery) -> tuple[str, dict[str, Any]]:
        return self.transform_query(query)

    def transform_history(self, query: HistoryQuery, data: Any) -> list[dict]:
        return self.transform_data(query, data)

    def transform_query(self, query: HistoryQuery) -> tuple[str, dict[str, Any]]:
        """(path, query parameters) of the vendor's history request."""
        raise NotImplementedError

    def transform_data(self, query: HistoryQuery, data: Any) -> list[dict]:
        raise NotImplementedError
