"""Reads of the portfolio app, scoped to their owner: another user's portfolio is a 404.

Holdings, performance, analytics, allocation, dividends and the rebalancing plan are computed
from the stored transactions and lots with the market's prices (the live quote when there is
one, else the last close).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.core.aggregates import DecimalSum
from apps.market import selectors as market

from .engine import ledger as engine
from .engine import orders as order_rules
from .engine import performance as perf
from .engine import rebalance
from .models import AuditEntry, Order, Portfolio, Realization, TaxLot, Transaction

ZERO = Decimal(0)
CENT = Decimal("0.01")


def portfolios_of(*, user) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(owner=user).select_related("benchmark")


def portfolio_of(*, user, portfolio_id) -> Portfolio:
    return get_object_or_404(portfolios_of(user=user), pk=portfolio_id)


def transactions_of(
    *, portfolio: Portfolio, type: str | None = None, symbol: str | None = None, start=None, end=None
) -> QuerySet[Transaction]:
    rows = portfolio.transactions.select_related("instrument").prefetch_related("realizations__lot")
    if type:
        rows = rows.filter(type=type)
    if symbol:
        rows = rows.filter(instrument__symbol__iexact=symbol)
    if start:
        rows = rows.filter(trade_date__gte=start)
    if end:
        rows = rows.filter(trade_date__lte=end)
    return rows.order_by("-trade_date", "-id")


def transaction_of(*, portfolio: Portfolio, transaction_id) -> Transaction:
    return get_object_or_404(portfolio.transactions.select_related("instrument"), pk=transaction_id)


def orders_of(*, portfolio: Portfolio, status: str | None = None) -> QuerySet[Order]:
    rows = portfolio.orders.select_related("instrument")
    return rows.filter(status=status) if status else rows


def order_of(*, portfolio: Portfolio, order_id) -> Order:
    return get_object_or_404(portfolio.orders.select_related("instrument", "portfolio"), pk=order_id)


def audit_of(*, portfolio: Portfolio) -> QuerySet[AuditEntry]:
    return portfolio.audit.select_related("actor")


LEDGER_COLUMNS = (
    "id",
    "type",
    "trade_date",
    "instrument_id",
    "instrument__symbol",
    "quantity",
    "price",
    "fees",
    "amount",
    "ratio",
    "lots",
    "ex_date",
)


def ledger_entries(portfolio: Portfolio) -> tuple[list[engine.Entry], dict[str, int]]:
    """The portfolio's transactions in ledger order as engine entries, and symbol → instrument id.
    One query, plain tuples (no model instances: a long history is read on every change)."""
    rows = Transaction.objects.filter(portfolio=portfolio).order_by("trade_date", "id").values_list(*LEDGER_COLUMNS)
    entries, instruments = [], {}
    for pk, kind, day, instrument_id, symbol, quantity, price, fees, amount, ratio, lots, ex_date in rows:
        if instrument_id:
            instruments[symbol] = instrument_id
        entries.append(
            engine.Entry(
                id=pk,
                type=kind,
                trade_date=day,
                symbol=symbol,
                quantity=quantity or ZERO,
                price=price or ZERO,
                fees=fees or ZERO,
                amount=amount or ZERO,
                ratio=ratio or ZERO,
                lots=[(lot["lot"], Decimal(str(lot["quantity"]))) for lot in lots] if lots else None,
                ex_date=ex_date,
            )
        )
    return entries, instruments


# --- holdings ---------------------------------------------------------------------------------


def holdings_view(*, portfolio: Portfolio) -> dict:
    """Holdings with prices, market value, unrealised P&L per holding and per open lot, weights,
    and the totals (cash, value, cost, realised and unrealised P&L, dividends)."""
    holdings = list(portfolio.holdings.select_related("instrument"))
    dated = market.dated_prices([h.instrument for h in holdings])
    prices = {pk: (price, source) for pk, (price, source, _) in dated.items()}
    intervals = market.native_intervals([h.instrument for h in holdings]) if holdings else {}
    today = timezone.localdate()
    lots_by_instrument: dict[int, list[TaxLot]] = {}
    for lot in TaxLot.objects.filter(portfolio=portfolio, remaining__gt=0).order_by("opened_on", "opened_by_id"):
        lots_by_instrument.setdefault(lot.instrument_id, []).append(lot)
    rows, invested = [], ZERO
    for h in holdings:
        price, source = prices.get(h.instrument_id, (None, None))
        value = h.quantity * price if price is not None else None
        when = dated[h.instrument_id][2] if h.instrument_id in dated else None
        price_day = timezone.localdate(when) if when is not None else None
        rows.append(
            {
                "symbol": h.instrument.symbol,
                "name": h.instrument.name,
                "asset_type": h.instrument.asset_type,
                "sector": h.instrument.sector,
                "currency": h.instrument.currency,
                "quantity": h.quantity,
                "cost": h.cost,
                "average_cost": h.cost / h.quantity,
                "price": price,
                "price_source": source,
                "simulated": source == "simulated",
                "price_date": price_day,
                "stale_price": price_day is None
                or _is_stale(h.instrument, intervals.get(h.instrument_id), price_day, today),
                "value": value,
                "unrealized_pnl": None if value is None else value - h.cost,
                "unrealized_pnl_percent": None if value is None or not h.cost else (value - h.cost) / h.cost * 100,
                "lots": [
                    {
                        "lot": lot.opened_by_id,
                        "opened_on": lot.opened_on,
                        "quantity": lot.quantity,
                        "remaining": lot.remaining,
                        "cost": lot.cost,
                        "unit_cost": lot.cost / lot.remaining,
                        "unrealized_pnl": None if price is None else lot.remaining * price - lot.cost,
                    }
                    for lot in lots_by_instrument.get(h.instrument_id, [])
                ],
            }
        )
        invested += value or ZERO
    total = invested + portfolio.cash
    for row in rows:
        row["weight"] = (row["value"] / total) if row["value"] is not None and total else None
    realizations = Realization.objects.filter(sale__portfolio=portfolio)
    realized = realizations.aggregate(s=DecimalSum("realized_pnl"))["s"] or ZERO
    dividends = portfolio.transactions.filter(type=Transaction.Type.DIVIDEND).aggregate(
        a=DecimalSum("amount"), f=DecimalSum("fees")
    )
    cost = sum((h.cost for h in holdings), ZERO)
    price_days = [r["price_date"] for r in rows if r["price_date"] is not None]
    return {
        "holdings": rows,
        "as_of": min(price_days) if price_days else None,
        "cash": portfolio.cash,
        "market_value": invested,
        "total_value": total,
        "cost": cost,
        "unrealized_pnl": sum((r["unrealized_pnl"] or ZERO for r in rows), ZERO),
        "realized_pnl": realized,
        "dividends": (dividends["a"] or ZERO) - (dividends["f"] or ZERO),
        "currency": portfolio.base_currency,
    }


def _is_stale(instrument, interval: str | None, price_day: date, on: date) -> bool:
    spacing = {"1wk": 7.0, "1mo": 30.44}.get(interval or "1d", 1.0)
    return PriceHistory(pd.Series(dtype=float), spacing, instrument.asset_type).is_stale(price_day, on)


def realized_of(*, portfolio: Portfolio) -> QuerySet[Realization]:
    return Realization.objects.filter(sale__portfolio=portfolio).select_related("sale__instrument", "lot")


def dividends_view(*, portfolio: Portfolio) -> dict:
    """Each dividend with the position and its yield on cost that day, and per instrument the
    total received and the trailing-12-month yield on today's cost."""
    entries, _ = ledger_entries(portfolio)
    result = engine.replay(entries, method=portfolio.cost_basis_method)
    rows = [
        {
            "transaction": d.entry_id,
            "symbol": d.symbol,
            "paid_on": d.paid_on,
            "amount": d.amount,
            "quantity_held": d.quantity_held,
            "per_share": d.amount / d.quantity_held,
            "yield_on_cost": d.amount / d.cost_basis if d.cost_basis else None,
        }
        for d in reversed(result.dividends)
    ]
    year_ago = timezone.localdate().replace(year=timezone.localdate().year - 1)
    by_symbol: dict[str, dict] = {}
    for d in result.dividends:
        s = by_symbol.setdefault(d.symbol, {"symbol": d.symbol, "total": ZERO, "trailing_12m": ZERO})
        s["total"] += d.amount
        if d.paid_on > year_ago:
            s["trailing_12m"] += d.amount
    for s in by_symbol.values():
        cost = result.cost_basis(s["symbol"])
        s["cost_basis"] = cost
        s["yield_on_cost_12m"] = s["trailing_12m"] / cost if cost else None
    return {"dividends": rows, "by_symbol": sorted(by_symbol.values(), key=lambda s: s["symbol"])}


# --- performance and analytics ----------------------------------------------------------------


def _series(rows: list[tuple[datetime, Decimal]]) -> pd.Series:
    if not rows:
        return pd.Series(dtype=float)
    index = pd.DatetimeIndex([t for t, _ in rows]).tz_localize(None).normalize()
    return pd.Series([float(c) for _, c in rows], index=index).groupby(level=0).last()


STALE_AFTER_INTERVALS = 3
TRADING_DAYS_PER_YEAR = 252


@dataclass
class PriceHistory:
    """An instrument's real prices by day, and how far apart its bars are."""

    closes: pd.Series
    spacing_days: float  # median spacing of its bars (1 for daily and intraday bars)
    asset_type: str

    def is_stale(self, price_day: date, on: date) -> bool:
        """A price older than three of the instrument's own bar intervals on ``on``; days of a
        daily or finer series count as trading days (weekdays) except for crypto."""
        if self.spacing_days < 4:
            if self.asset_type == "crypto":
                return (on - price_day).days > STALE_AFTER_INTERVALS
            return int(np.busday_count(price_day, on)) > STALE_AFTER_INTERVALS
        return (on - price_day).days > STALE_AFTER_INTERVALS * self.spacing_days


def price_histories(instruments) -> dict[str, PriceHistory]:
    """Daily closes of each instrument (the last bar of each day), with the quote appended when it
    is a real price newer than the last close (a simulated quote is not a price anything traded
    at). A weekly or monthly bar's close is dated on the last day of its bar, when it was known."""
    instruments = list(instruments)
    dated = market.dated_prices(instruments)
    today = pd.Timestamp(timezone.localdate())
    histories = {}
    for instrument in instruments:
        rows = market.close_history(instrument=instrument)
        s = _series(rows)
        spacing = float(np.median(np.diff(s.index.as_unit("ns").asi8)) / 86_400e9) if len(s) > 1 else 1.0
        if spacing >= 4 and len(s):
            ends = [
                *(s.index[1:] - pd.Timedelta(days=1)),
                min(s.index[-1] + pd.Timedelta(days=round(spacing) - 1), today),
            ]
            s = pd.Series(s.to_numpy(), index=pd.DatetimeIndex(ends)).groupby(level=0).last()
        known = dated.get(instrument.pk)
        if known is not None and known[1] != "simulated":
            day = pd.Timestamp(known[2]).tz_convert(None).normalize()
            if s.empty or s.index[-1] < day:
                s = pd.concat([s, pd.Series([float(known[0])], index=[day])])
        histories[instrument.symbol] = PriceHistory(
            s, max(spacing, 1.0) if spacing >= 4 else 1.0, instrument.asset_type
        )
    return histories


def price_series(instruments) -> dict[str, pd.Series]:
    """Daily real closes of each instrument (see ``price_histories``)."""
    return {symbol: h.closes for symbol, h in price_histories(instruments).items()}


@dataclass
class Valued:
    """A portfolio's daily valuation up to ``as_of``, the prices its holdings were valued on that
    day, and the trading days of the range (days on which one of its instruments has a close)."""

    frame: pd.DataFrame
    as_of: date
    prices: list[dict]
    trading_days: pd.DatetimeIndex


def _last_real_day(symbol: str, history: PriceHistory | None, entries: list[engine.Entry]) -> date | None:
    days = [e.trade_date for e in entries if e.symbol == symbol and e.type in engine.TRADES]
    if history is not None and len(history.closes):
        days.append(history.closes.index[-1].date())
    return max(days) if days else None


def _valuation(portfolio: Portfolio, start: date | None, end: date | None) -> Valued:
    """Value by day. Without ``end`` the range ends on the last day on which every current holding
    has a real price (a close, a real quote or a trade), never on prices carried forward."""
    entries, instrument_ids = ledger_entries(portfolio)
    result = engine.replay(entries, method=portfolio.cost_basis_method)
    histories = price_histories(market.instruments_by_id(list(instrument_ids.values())))
    today = timezone.localdate()
    if end is None:
        held = [symbol for symbol in instrument_ids if result.position(symbol) > 0]
        last_days = [_last_real_day(symbol, histories.get(symbol), entries) for symbol in held]
        end = min((d for d in last_days if d is not None), default=today)
        end = min(end, today)
    closes = {symbol: h.closes for symbol, h in histories.items()}
    frame = perf.valuation(entries, result, closes, end=end, start=start).frame
    positions: dict[str, Decimal] = {}
    for e in entries:
        if e.trade_date > end:
            break
        if e.symbol and e.id in result.position_after:
            positions[e.symbol] = result.position_after[e.id]
    prices = []
    for symbol, quantity in sorted(positions.items()):
        if quantity <= 0:
            continue
        history = histories.get(symbol)
        observed = [
            e.trade_date for e in entries if e.symbol == symbol and e.type in engine.TRADES and e.trade_date <= end
        ]
        if history is not None and len(history.closes):
            known = history.closes[history.closes.index <= pd.Timestamp(end)]
            if len(known):
                observed.append(known.index[-1].date())
        price_day = max(observed) if observed else None
        stale = price_day is None or (history or PriceHistory(pd.Series(dtype=float), 1.0, "stock")).is_stale(
            price_day, end
        )
        prices.append({"symbol": symbol, "price_date": price_day, "stale_price": stale})
    days = pd.DatetimeIndex([])
    for h in histories.values():
        days = days.union(h.closes.index)
    trading_days = frame.index.intersection(days) if len(days) else frame.index
    return Valued(frame, end, prices, trading_days)


def _benchmark_index(benchmark, frame: pd.DataFrame) -> pd.Series | None:
    if benchmark is None or frame.empty:
        return None
    closes = price_series([benchmark])[benchmark.symbol]
    if closes.empty:
        return None
    path = closes.reindex(frame.index.union(closes.index)).ffill().reindex(frame.index)
    first = path.first_valid_index()
    if first is None:
        return None
    return path / path[first]


def resolve_benchmark(portfolio: Portfolio, symbol: str | None):
    """The named benchmark, else the portfolio's own, else the market's default index."""
    if symbol:
        return market.instrument(symbol=symbol)
    return portfolio.benchmark or market.default_benchmark()


def _stale(prices: list[dict]) -> list[dict]:
    return [p for p in prices if p["stale_price"]]


def performance(*, portfolio: Portfolio, start: date | None = None, end: date | None = None, benchmark=None) -> dict:
    """Daily value, TWR and XIRR over [start, end], the benchmark's return beside them. Without
    ``end``: up to ``as_of``, the last day every holding has a real price."""
    valued = _valuation(portfolio, start, end)
    frame = valued.frame
    if frame.empty:
        return {
            "currency": portfolio.base_currency,
            "points": 0,
            "series": [],
            "summary": None,
            "as_of": valued.as_of,
            "prices": valued.prices,
        }
    growth = perf.twr_index(frame)
    bench = _benchmark_index(benchmark, frame)
    irr = perf.xirr(perf.investor_flows(frame))
    first, last = frame.iloc[0], frame.iloc[-1]
    summary = {
        "start": frame.index[0].date(),
        "end": frame.index[-1].date(),
        "as_of": valued.as_of,
        "start_value": round(float(first["value"]), 2),
        "end_value": round(float(last["value"]), 2),
        "net_flows": round(float(frame["flow"].iloc[1:].sum()), 2),
        "twr": perf.twr(frame),
        "xirr": irr.rate,
        "xirr_note": irr.note,
        "benchmark": benchmark.symbol if benchmark is not None else None,
        "benchmark_return": float(bench.iloc[-1] / bench.dropna().iloc[0] - 1) if bench is not None else None,
    }
    summary["gain"] = round(summary["end_value"] - summary["start_value"] - summary["net_flows"], 2)
    series = [
        {
            "date": day.date().isoformat(),
            "value": round(float(row.value), 2),
            "cash": round(float(row.cash), 2),
            "flow": round(float(row.flow), 2),
            "twr_index": round(float(g), 6),
            "benchmark_index": None if bench is None or pd.isna(bench[day]) else round(float(bench[day]), 6),
        }
        for (day, row), g in zip(frame.iterrows(), growth, strict=True)
    ]
    return {
        "currency": portfolio.base_currency,
        "as_of": valued.as_of,
        "prices": valued.prices,
        "stale_prices": _stale(valued.prices),
        "points": len(series),
        "summary": summary,
        "series": series,
        "definitions": DEFINITIONS,
    }


RISK_BASIS = (
    "Daily valuation of the portfolio (TWR growth, so deposits are not gains) on trading days: the "
    "weekdays on which at least one of its instruments has a close; annualised with 252 periods a year."
)

DEFINITIONS = {
    "twr": "Time-weighted return: daily returns V_t / (V_t-1 + flows_t) − 1 chained; deposits and "
    "withdrawals do not count as gains.",
    "xirr": "Money-weighted annual return: the rate that makes the net present value of the start value, "
    "deposits, withdrawals and end value zero (none when no unique rate exists).",
    "as_of": "The last day of the range. Without an end date: the last day on which every holding has a "
    "real price (a close, a real quote or a trade), so no price is carried forward.",
    "stale_price": "A holding valued on a price older than three of its own bar intervals (trading days "
    "for daily bars) on the as-of day.",
    "risk_basis": RISK_BASIS,
    "volatility": "Standard deviation of the returns from one trading day to the next × √252.",
    "sharpe": "(Mean trading-day return − risk-free/252) / std-dev × √252.",
    "sortino": "As Sharpe, over the downside deviation (returns below the risk-free rate).",
    "max_drawdown": "Largest fall from a peak of the TWR growth curve.",
    "var_95_historical": "The one-trading-day loss exceeded on 5 % of trading days (5th percentile of returns).",
    "var_95_parametric": "−(μ − 1.645σ) of one-trading-day returns, assuming a normal distribution.",
    "beta": "cov(portfolio, benchmark) / var(benchmark) of trading-day returns on common days.",
}


def analytics(*, portfolio: Portfolio, start: date | None = None, end: date | None = None, benchmark=None) -> dict:
    """Risk of the TWR growth curve (so deposits are not mistaken for gains) on trading days,
    against a benchmark. Without ``end``: up to ``as_of`` (see ``performance``)."""
    valued = _valuation(portfolio, start, end)
    frame = valued.frame
    base = {
        "as_of": valued.as_of,
        "prices": valued.prices,
        "stale_prices": _stale(valued.prices),
        "periods_per_year": TRADING_DAYS_PER_YEAR,
        "horizon": "1 trading day",
        "risk_basis": RISK_BASIS,
        "definitions": DEFINITIONS,
    }
    if len(frame) < 3:
        return {"observations": len(frame), "risk": None, **base}
    growth = perf.twr_index(frame)
    days = valued.trading_days
    if len(days) < 3:
        days = frame.index
    growth = growth.reindex(days)
    bench = None
    if benchmark is not None:
        closes = price_series([benchmark])[benchmark.symbol]
        bench = closes.reindex(days.union(closes.index)).ffill().reindex(days).dropna()
    risk = market.risk_measures(
        close=growth,
        benchmark=bench if bench is not None and len(bench) else None,
        periods=TRADING_DAYS_PER_YEAR,
        horizon="1 trading day",
    )
    return {
        "start": frame.index[0].date(),
        "end": frame.index[-1].date(),
        "benchmark": benchmark.symbol if benchmark is not None else None,
        "twr": perf.twr(frame),
        "risk": risk,
        **base,
    }


def allocation(*, portfolio: Portfolio, view: dict | None = None) -> dict:
    """Shares of the total value by asset, asset type, sector and currency (cash included), from
    ``view`` (``holdings_view``'s answer, when the caller already has it)."""
    view = view if view is not None else holdings_view(portfolio=portfolio)
    total = view["total_value"]
    groups = {"asset": {}, "asset_type": {}, "sector": {}, "currency": {}}
    for row in view["holdings"]:
        value = row["value"] or ZERO
        for group, key in (
            ("asset", row["symbol"]),
            ("asset_type", row["asset_type"]),
            ("sector", row["sector"] or "Unclassified"),
            ("currency", row["currency"]),
        ):
            groups[group][key] = groups[group].get(key, ZERO) + value
    if view["cash"]:
        for group in ("asset", "asset_type", "sector"):
            groups[group]["Cash"] = groups[group].get("Cash", ZERO) + view["cash"]
        groups["currency"][portfolio.base_currency] = (
            groups["currency"].get(portfolio.base_currency, ZERO) + view["cash"]
        )
    return {
        "total_value": total,
        "currency": portfolio.base_currency,
        **{
            group: [
                {"name": name, "value": value, "weight": value / total if total else None}
                for name, value in sorted(values.items(), key=lambda kv: -kv[1])
            ]
            for group, values in groups.items()
        },
    }


def paper_costs() -> order_rules.Costs:
    """Slippage and fees of paper trading (``PAPER_SLIPPAGE_BPS``, ``PAPER_FEE_BPS``, ``PAPER_FEE_FIXED``)."""
    return order_rules.Costs(
        slippage_bps=Decimal(str(settings.PAPER_SLIPPAGE_BPS)),
        fee_bps=Decimal(str(settings.PAPER_FEE_BPS)),
        fee_fixed=Decimal(str(settings.PAPER_FEE_FIXED)),
    )


def rebalance_plan(
    *, portfolio: Portfolio, mode: str = "buy_and_sell", fractional: bool = False, min_trade: Decimal = ZERO
) -> dict:
    """Drift from the target weights and the trades that reach them (see ``engine.rebalance``)."""
    targets = {t.instrument.symbol: t.weight for t in portfolio.targets.select_related("instrument")}
    held = {h.instrument.symbol: h for h in portfolio.holdings.select_related("instrument")}
    positions, unpriced = [], []
    instruments = {h.instrument.symbol: h.instrument for h in held.values()}
    instruments.update({t.instrument.symbol: t.instrument for t in portfolio.targets.select_related("instrument")})
    prices = market.current_prices(list(instruments.values()))
    for symbol, instrument in sorted(instruments.items()):
        price, _ = prices.get(instrument.pk, (None, None))
        if price is None:
            unpriced.append(symbol)
            continue
        positions.append(rebalance.Position(symbol, held[symbol].quantity if symbol in held else ZERO, price))
    if unpriced:
        raise ValidationError({"targets": f"No price is known for {', '.join(unpriced)}."})
    try:
        result = rebalance.plan(
            positions=positions,
            cash=portfolio.cash,
            targets=targets,
            mode=mode,
            fractional=fractional,
            min_trade=min_trade,
            costs=paper_costs(),
        )
    except ValueError as exc:
        raise ValidationError({"targets": str(exc)}) from exc
    return {"targets": targets, "mode": mode, "fractional": fractional, "min_trade": min_trade, **result}


def export_csv(*, portfolio: Portfolio) -> str:
    """The transactions in the import layout (re-importable into an empty portfolio)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "type", "symbol", "quantity", "price", "fees", "amount", "currency", "ratio", "note"])
    for t in portfolio.transactions.select_related("instrument").order_by("trade_date", "id"):
        writer.writerow(
            [
                t.trade_date.isoformat(),
                t.type,
                t.instrument.symbol if t.instrument_id else "",
                _plain(t.quantity),
                _plain(t.price),
                _plain(t.fees),
                _plain(t.amount),
                t.currency,
                _plain(t.ratio),
                t.note,
            ]
        )
    return out.getvalue()


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value else "0"


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def price_frame(*, symbols: list[str], start: date | None = None) -> pd.DataFrame:
    """Closes of the symbols on their common dates (for optimisation). When their histories have
    different spacings (daily stocks, a monthly crypto series), every series is first resampled to
    the coarsest one (the last close of each week or month), so they still meet."""
    instruments = [market.instrument(symbol=s) for s in symbols]
    series = {
        i.symbol: _series(market.close_history(instrument=i, start=day_start(start) if start else None))
        for i in instruments
    }
    rules = {symbol: _resample_rule(s) for symbol, s in series.items()}
    coarsest = max(rules.values(), key=lambda rule: _RESAMPLE_ORDER.index(rule), default=None)
    if coarsest is not None and len(set(rules.values())) > 1:
        series = {symbol: s.resample(coarsest).last().dropna() for symbol, s in series.items()}
    return pd.DataFrame(series).dropna()


_RESAMPLE_ORDER = [None, "W-FRI", "ME"]


def _resample_rule(series: pd.Series) -> str | None:
    """``None`` for daily data, else the pandas rule of its spacing (weekly or monthly)."""
    if len(series) < 3:
        return None
    spacing = series.index.to_series().diff().dt.days.median()
    return None if spacing < 4 else "W-FRI" if spacing < 10 else "ME"


def daily_bars(*, symbols: list[str], start: date | None = None, end: date | None = None) -> dict[str, pd.DataFrame]:
    """Daily open/close frames per symbol (for backtests)."""
    frames = {}
    for symbol in symbols:
        instrument = market.instrument(symbol=symbol)
        interval = market.native_interval(instrument)
        rows = market.bars(
            instrument=instrument,
            interval=interval or "1d",
            start=day_start(start) if start else None,
            end=day_start(end) if end else None,
        )
        frame = pd.DataFrame(
            {"open": [float(r["open"]) for r in rows], "close": [float(r["close"]) for r in rows]},
            index=pd.DatetimeIndex([r["time"] for r in rows]).tz_localize(None) if rows else pd.DatetimeIndex([]),
        )
        frames[instrument.symbol] = frame
    return frames


def export_for_user(user) -> list[dict]:
    """The user's portfolios and their transactions, for the account's data export."""
    return [
        {
            "id": p.pk,
            "name": p.name,
            "base_currency": p.base_currency,
            "cost_basis_method": p.cost_basis_method,
            "created_at": p.created_at.isoformat(),
            "transactions_csv": export_csv(portfolio=p),
        }
        for p in portfolios_of(user=user)
    ]
