"""Valuation over time, time-weighted and money-weighted returns.

Definitions (the API and the pages show them next to the numbers):
- Valuation: on every business day from the first transaction, value = cash + Σ position × price.
  A position's price is its last daily close on or before that day; before the first close we know
  of, the price of its latest trade. A transaction dated on a weekend counts on the next business
  day. Analytics series are float64 (ratios and charts); the ledger itself is exact Decimal.
- External flows are deposits (+) and withdrawals (−); dividends, fees and trades are not flows,
  they are part of the return.
- TWR: flows arrive at the start of the day, so the day's return is V_t / (V_{t−1} + F_t) − 1;
  the period's TWR chains them: Π(1 + r_t) − 1. It measures the investments, not the timing of
  deposits.
- XIRR (money-weighted): the annual rate r with Σ CF_i / (1 + r)^((d_i − d_0)/365) = 0, where the
  investor's cash flows are −(value at the end of the first day), −later deposits, +later
  withdrawals and +(value at the end). TWR likewise starts from the first day's closing value.
  Flows that change sign more than once can have several such rates, or none: the answer then says
  so instead of picking one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import logsumexp

from .ledger import DEPOSIT, SPLIT, TRADES, WITHDRAWAL, Entry, Ledger


@dataclass
class Valuation:
    frame: pd.DataFrame  # index: business days; columns value, cash, flow, holdings + one per symbol


def _business_days(start: date, end: date) -> pd.DatetimeIndex:
    return pd.bdate_range(start, end)


def valuation(
    entries: list[Entry], ledger: Ledger, prices: dict[str, pd.Series], *, end: date, start: date | None = None
) -> Valuation:
    """Daily value of the portfolio from its first transaction (or ``start``) to ``end``."""
    entries = [e for e in entries if e.trade_date <= end]
    if not entries:
        return Valuation(pd.DataFrame(columns=["value", "cash", "flow", "holdings"], dtype=float))
    first = entries[0].trade_date
    days = _business_days(first, end)
    if len(days) == 0:
        days = pd.DatetimeIndex([pd.Timestamp(end)])
    # Each entry lands on the first business day on or after its date.
    entry_days = days[np.minimum(days.searchsorted(pd.to_datetime([e.trade_date for e in entries])), len(days) - 1)]

    cash = pd.Series([float(ledger.cash_after[e.id]) for e in entries], index=entry_days)
    cash = cash.groupby(level=0).last().reindex(days).ffill().fillna(0.0)
    flows = pd.Series(
        [float(e.amount) if e.type == DEPOSIT else -float(e.amount) if e.type == WITHDRAWAL else 0.0 for e in entries],
        index=entry_days,
    )
    flows = flows.groupby(level=0).sum().reindex(days, fill_value=0.0)

    frame = pd.DataFrame({"cash": cash, "flow": flows}, index=days)
    holdings = pd.Series(0.0, index=days)
    # One pass groups the position-moving entries by symbol (positions after each, trade prices).
    day_values = entry_days.to_numpy()
    moves: dict[str, tuple[list, list, list, list]] = {}
    for day, e in zip(day_values, entries, strict=True):
        if e.symbol and (e.type in TRADES or e.type == SPLIT):
            days_, positions, trade_days, trade_prices = moves.setdefault(e.symbol, ([], [], [], []))
            days_.append(day)
            positions.append(float(ledger.position_after[e.id]))
            if e.type in TRADES:
                trade_days.append(day)
                trade_prices.append(float(e.price))
    for symbol in sorted(moves):
        days_, positions, trade_days, trade_prices = moves[symbol]
        position = pd.Series(positions, index=pd.DatetimeIndex(days_)).groupby(level=0).last()
        position = position.reindex(days).ffill().fillna(0.0)
        traded = pd.Series(trade_prices, index=pd.DatetimeIndex(trade_days)).groupby(level=0).last()
        price = _price_path(prices.get(symbol), traded, days)
        frame[symbol] = position * price
        holdings = holdings + frame[symbol]
    frame["holdings"] = holdings
    frame["value"] = frame["cash"] + holdings
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start)]
    return Valuation(frame)


def _price_path(closes: pd.Series | None, trade_prices: pd.Series, days: pd.DatetimeIndex) -> pd.Series:
    if closes is not None and len(closes):
        closes = closes.copy()
        closes.index = pd.DatetimeIndex(closes.index).normalize()
        closes = closes.groupby(level=0).last()
        # A close on a weekend (crypto) is carried to the next business day.
        path = closes.reindex(days.union(closes.index)).ffill().reindex(days)
    else:
        path = pd.Series(np.nan, index=days)
    fallback = trade_prices.reindex(days).ffill()
    return path.fillna(fallback).fillna(0.0)


def daily_returns(frame: pd.DataFrame) -> pd.Series:
    """Time-weighted daily returns: V_t / (V_{t-1} + F_t) − 1 (0 on a day with no capital)."""
    if frame.empty:
        return pd.Series(dtype=float)
    value = frame["value"].to_numpy()
    base = np.concatenate([[0.0], value[:-1]]) + frame["flow"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(base > 1e-9, value / base - 1.0, 0.0)
    return pd.Series(r, index=frame.index)


def twr(frame: pd.DataFrame) -> float | None:
    if len(frame) < 2:
        return None
    r = daily_returns(frame).iloc[1:]
    return float(np.prod(1.0 + r.to_numpy()) - 1.0)


def twr_index(frame: pd.DataFrame) -> pd.Series:
    """Growth of 1 invested at the start, chained from the daily TWR returns."""
    r = daily_returns(frame)
    if r.empty:
        return r
    r.iloc[0] = 0.0
    return (1.0 + r).cumprod()


@dataclass
class Irr:
    rate: float | None
    note: str


def _log_npv_gap(x, log_in: np.ndarray, t_in: np.ndarray, log_out: np.ndarray, t_out: np.ndarray):
    """log(Σ money out discounted) − log(Σ money in discounted) at continuous rate x = ln(1 + r):
    the same sign as the NPV, and finite for any x (no overflow at rates near −100 % or huge)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))[:, None]
    gap = logsumexp(log_out - x * t_out, axis=1) - logsumexp(log_in - x * t_in, axis=1)
    return gap if gap.size > 1 else float(gap[0])


# The search grid in x = ln(1 + r): dense near 0, reaching rates of e^−5000 − 1 and e^5000 − 1.
_GRID = np.concatenate([-np.geomspace(5000, 1e-6, 1500), [0.0], np.geomspace(1e-6, 5000, 1500)])


def xirr(flows: list[tuple[date, float]]) -> Irr:
    """Money-weighted annual return of dated cash flows (investor's view: money in is negative).
    Any unique rate in (−100 %, ∞) is found: the NPV is searched on x = ln(1 + r) in log space."""
    flows = [(d, a) for d, a in flows if a]
    if len(flows) < 2 or all(a > 0 for _, a in flows) or all(a < 0 for _, a in flows):
        return Irr(None, "XIRR needs money both in and out (a deposit and a value or withdrawal).")
    flows.sort(key=lambda f: f[0])
    d0 = flows[0][0]
    amounts = np.array([a for _, a in flows])
    years = np.array([(d - d0).days / 365.0 for d, _ in flows])
    if years[-1] == 0:
        return Irr(None, "XIRR needs flows on more than one date.")
    args = (np.log(-amounts[amounts < 0]), years[amounts < 0], np.log(amounts[amounts > 0]), years[amounts > 0])
    gap = _log_npv_gap(_GRID, *args)
    sign = np.sign(gap)
    roots = [float(x) for x, s in zip(_GRID, sign, strict=True) if s == 0]
    for i in np.nonzero(sign[:-1] * sign[1:] < 0)[0]:
        roots.append(brentq(_log_npv_gap, _GRID[i], _GRID[i + 1], args=args, xtol=1e-15, rtol=1e-14))
    if not roots:
        return Irr(None, "No rate makes these cash flows' net present value zero, so XIRR is undefined.")
    rates = sorted(float(np.expm1(x)) for x in roots)
    if len(rates) > 1:
        shown = ", ".join(f"{r:.2%}" for r in rates)
        return Irr(None, f"XIRR is not unique: the cash flows change sign more than once and {shown} all fit.")
    return Irr(rates[0], "unique")


def investor_flows(frame: pd.DataFrame) -> list[tuple[date, float]]:
    """The investor's flows over the frame: the starting value in, deposits in, withdrawals out, the
    final value out (signs from the investor's view)."""
    if frame.empty:
        return []
    flows = [(frame.index[0].date(), -float(frame["value"].iloc[0]))]
    later = frame["flow"].iloc[1:]
    for day, flow in later[later != 0].items():
        flows.append((day.date(), -float(flow)))
    flows.append((frame.index[-1].date(), float(frame["value"].iloc[-1])))
    return flows
