"""Long portfolio work as jobs on the ``analysis`` queue: optimisation and backtests."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from apps.core import services as core_services
from apps.core.models import Job
from apps.market import selectors as market

from ..models import Portfolio


def _symbols(portfolio: Portfolio, symbols: list[str] | None, field: str) -> list[str]:
    if not symbols:
        symbols = list(portfolio.holdings.values_list("instrument__symbol", flat=True))
    if not symbols:
        raise ValidationError({field: "Name the instruments (the portfolio holds none)."})
    found = market.known_symbols(symbols)
    unknown = [s for s in symbols if s.strip().upper() not in found]
    if unknown:
        raise ValidationError({field: f"Unknown symbol(s): {', '.join(unknown)}."})
    return sorted({found[s.strip().upper()].symbol for s in symbols})


def start_optimisation(*, portfolio: Portfolio, actor, params: dict) -> Job:
    """Queue a mean-variance optimisation over ``symbols`` (default: the holdings)."""
    symbols = _symbols(portfolio, params.get("symbols"), "symbols")
    if len(symbols) < 2:
        raise ValidationError({"symbols": "Optimisation needs at least two instruments."})
    if params.get("objective") == "efficient_return" and params.get("target_return") is None:
        raise ValidationError({"target_return": "efficient_return needs a target_return."})
    return core_services.enqueue_job(
        owner=actor, kind="portfolio.optimize", params={**params, "symbols": symbols, "portfolio": portfolio.pk}
    )


def start_backtest(*, portfolio: Portfolio, actor, params: dict) -> Job:
    """Queue a backtest of a strategy over ``symbols`` (default: the holdings)."""
    symbols = _symbols(portfolio, params.get("symbols"), "symbols")
    return core_services.enqueue_job(
        owner=actor, kind="portfolio.backtest", params={**params, "symbols": symbols, "portfolio": portfolio.pk}
    )
