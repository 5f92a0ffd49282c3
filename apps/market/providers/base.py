"""Market-data providers behind one interface, in the shape of OpenBB's fetchers:
``transform_query`` (our query → the vendor's parameters) → ``extract_data`` (HTTP) →
``transform_data`` (the vendor's JSON → our bars). Each adapter is small; the loop with rate limits,
retries and fallback lives in ``registry``."""

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


class Fetcher:
    name: str = ""
    requires_key: bool = True
    intervals: frozenset[str] = frozenset({"1d"})

    def __init__(self, *, base_url: str, api_key: str = ""):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def transform_query(self, query: HistoryQuery) -> tuple[str, dict[str, Any]]:
        """(path, query parameters) of the vendor request."""
        raise NotImplementedError

    def extract_data(self, query: HistoryQuery, client: httpx.Client) -> Any:
        path, params = self.transform_query(query)
        response = client.get(f"{self.base_url}{path}", params=params)
        if response.status_code == 429:
            raise RateLimited(f"{self.name}: HTTP 429")
        if response.status_code == 404:
            raise ProviderError(f"{self.name}: {query.symbol} not found")
        if response.status_code >= 500:
            raise TransientError(f"{self.name}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ProviderError(f"{self.name}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.name}: the answer is not JSON") from exc

    def transform_data(self, query: HistoryQuery, data: Any) -> list[dict]:
        """Bars as ``{"time": aware datetime, "open", "high", "low", "close", "volume"}``, oldest first."""
        raise NotImplementedError
