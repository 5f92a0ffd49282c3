"""Try the configured providers in order (for history, quotes, fundamentals and news):
rate-limited per provider, retried on transient errors,
falling back to the next one; a 503 names every provider that failed and why."""

import logging
import time

import httpx
from django.conf import settings
from django.core.cache import cache

from apps.core.errors import ServiceUnavailable
from apps.core.metrics import external_call

from .adapters import ADAPTERS
from .base import HISTORY, Fetcher, HistoryQuery, ProviderError, RateLimited, TransientError

logger = logging.getLogger(__name__)
RETRIES = 2


def configured() -> list[Fetcher]:
    fetchers = []
    for name in settings.MARKET_PROVIDERS:
        config = settings.MARKET_PROVIDER_SETTINGS.get(name, {})
        adapter = ADAPTERS.get(name)
        if adapter is None or (adapter.requires_key and not config.get("api_key")):
            continue
        fetchers.append(adapter(base_url=config["base_url"], api_key=config.get("api_key", "")))
    return fetchers


def _take_rate_token(fetcher: Fetcher) -> None:
    limit = settings.MARKET_PROVIDER_SETTINGS.get(fetcher.name, {}).get("per_minute", 60)
    key = f"market:provider-calls:{fetcher.name}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=70)
    if cache.incr(key) > limit:
        raise RateLimited(f"{fetcher.name}: our limit of {limit} calls a minute is used up")


def _fetch_one(fetcher: Fetcher, kind: str, query, client: httpx.Client):
    for attempt in range(RETRIES + 1):
        _take_rate_token(fetcher)
        try:
            with external_call(fetcher.name):
                return fetcher.fetch(kind, query, client)
        except (httpx.TransportError, TransientError) as exc:
            if attempt == RETRIES:
                raise ProviderError(f"{fetcher.name}: {type(exc).__name__}") from exc
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _first_answer(kind: str, query, fetchers: list[Fetcher], *, what: str, timeout: float):
    """(provider name, normalised data) from the first of ``fetchers`` that answers."""
    if not fetchers:
        raise ServiceUnavailable(
            f"No data provider is configured for {what} (see MARKET_PROVIDERS).", code="no_provider"
        )
    symbol = query.symbol if isinstance(query, HistoryQuery) else query
    failures = []
    with httpx.Client(timeout=timeout, headers={"User-Agent": "ai-platform/0.1"}) as client:
        for fetcher in fetchers:
            try:
                data = _fetch_one(fetcher, kind, query, client)
            except ProviderError as exc:
                logger.warning("Provider %s failed for %s %s: %s", fetcher.name, kind, symbol, exc)
                failures.append(f"{fetcher.name} ({'rate limited' if isinstance(exc, RateLimited) else exc})")
                continue
            return fetcher.name, data
    raise ServiceUnavailable(
        f"No data provider answered for {symbol} ({kind}): {'; '.join(failures)}.", code="providers_unavailable"
    )


def fetch_history(query: HistoryQuery, *, timeout: float = 10.0) -> tuple[str, list[dict]]:
    """(provider name, bars) from the first provider that answers."""
    fetchers = [f for f in configured() if HISTORY in f.kinds and query.interval in f.intervals]
    return _first_answer(HISTORY, query, fetchers, what=f"{query.interval} bars", timeout=timeout)


def fetch(kind: str, symbol: str, *, timeout: float = 10.0):
    """(provider name, data) of one kind (``quote``, ``fundamentals``, ``news``) for ``symbol``."""
    fetchers = [f for f in configured() if kind in f.kinds]
    return _first_answer(kind, symbol, fetchers, what=kind, timeout=timeout)
