"""Cached portfolio reads: the dashboard's and the API's holdings, performance, analytics,
allocation and dividends, computed by ``selectors`` and kept in the cache.

A cached read is keyed by what its answer depends on, so a change makes a new key rather than
having to find and delete old ones:
- the ledger's version: ``Portfolio.updated_at``, moved by every ledger write (each one rebuilds the
  lots, holdings and cash and stamps the portfolio, see ``services.ledger``) and by settings changes;
- the prices' version: the market's bars version of every instrument the ledger names and of the
  benchmark (new bars move it);
- today's date (a default end of "today") and the read's own arguments.
Live quotes move values between new bars: an answer is kept at most ``READ_TTL`` seconds, the
quote's own cache time, so it is never older than the quote it was computed with could be.

The selectors' arithmetic is not touched here; this is only a layer around them.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils import timezone

from apps.market import selectors as market

from . import selectors
from .models import Portfolio, Transaction

READ_TTL = 60


def _versions(portfolio: Portfolio, benchmark=None) -> str:
    instrument_ids = set(
        Transaction.objects.filter(portfolio=portfolio, instrument__isnull=False)
        .values_list("instrument_id", flat=True)
        .distinct()
    )
    if benchmark is not None:
        instrument_ids.add(benchmark.pk)
    prices = market.bars_versions(sorted(instrument_ids))
    ledger = portfolio.updated_at.isoformat() if portfolio.updated_at else "-"
    return f"{ledger}|{','.join(f'{i}:{v}' for i, v in sorted(prices.items()))}|{timezone.localdate()}"


def _cached(name: str, portfolio: Portfolio, compute, *, benchmark=None, **params):
    parts = (
        f"{_versions(portfolio, benchmark)}|{benchmark.pk if benchmark is not None else '-'}|{sorted(params.items())}"
    )
    key = f"portfolio:read:{name}:{portfolio.pk}:{hashlib.sha256(parts.encode()).hexdigest()[:32]}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=READ_TTL)
    return found


def holdings_view(*, portfolio: Portfolio) -> dict:
    return _cached("holdings", portfolio, lambda: selectors.holdings_view(portfolio=portfolio))


def allocation(*, portfolio: Portfolio, view: dict | None = None) -> dict:
    """The allocation, from ``view`` (the holdings already read in this request) when given."""
    return _cached(
        "allocation",
        portfolio,
        lambda: selectors.allocation(portfolio=portfolio, view=view or holdings_view(portfolio=portfolio)),
    )


def dividends_view(*, portfolio: Portfolio) -> dict:
    return _cached("dividends", portfolio, lambda: selectors.dividends_view(portfolio=portfolio))


def performance(*, portfolio: Portfolio, start=None, end=None, benchmark=None) -> dict:
    return _cached(
        "performance",
        portfolio,
        lambda: selectors.performance(portfolio=portfolio, start=start, end=end, benchmark=benchmark),
        benchmark=benchmark,
        start=start,
        end=end,
    )


def analytics(*, portfolio: Portfolio, start=None, end=None, benchmark=None) -> dict:
    return _cached(
        "analytics",
        portfolio,
        lambda: selectors.analytics(portfolio=portfolio, start=start, end=end, benchmark=benchmark),
        benchmark=benchmark,
        start=start,
        end=end,
    )
