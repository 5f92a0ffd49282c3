"""Backtests of simple long-only strategies on daily bars, filled by the paper-trading rules.

Each instrument gets an equal share of the starting cash. A strategy decides, on each bar's close,
whether it wants to hold the instrument; the change is a market order that fills at the next bar's
open through ``orders.evaluate`` with the same slippage and fees as paper trading (so a backtest
and paper trading agree on the same prices). A buy spends the sleeve's cash (whole or fractional
shares); a sell closes the position. Buy-and-hold wants the position from before the first bar,
so it buys at the first open and its equity follows the price path from there.

Strategies:
- ``buy_and_hold``: always long.
- ``sma_cross``: long while SMA(fast) > SMA(slow) (defaults 20/50).
- ``rsi_reversion``: enter when RSI(period) < lower, exit when RSI > upper (defaults 14, 30, 70),
  RSI with Wilder's smoothing (TA-Lib's, as on the market pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import numpy as np
import pandas as pd
import talib

from . import orders

STRATEGIES = ("buy_and_hold", "sma_cross", "rsi_reversion")
QTY_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class Params:
    fast: int = 20
    slow: int = 50
    rsi_period: int = 14
    lower: float = 30.0
    upper: float = 70.0


def _rsi(close: pd.Series, period: int) -> pd.Series:
    # The market pages' RSI: TA-Lib's (Wilder smoothing seeded with the mean of the first changes).
    return pd.Series(talib.RSI(close.to_numpy(dtype=float), timeperiod=period), index=close.index)


def wants_position(strategy: str, close: pd.Series, params: Params) -> np.ndarray:
    """Whether the strategy wants to be long after each bar's close."""
    if strategy == "buy_and_hold":
        return np.ones(len(close), dtype=bool)
    if strategy == "sma_cross":
        fast = close.rolling(params.fast).mean()
        slow = close.rolling(params.slow).mean()
        return (fast > slow).to_numpy()
    if strategy == "rsi_reversion":
        rsi = _rsi(close, params.rsi_period).to_numpy()
        want, holding = np.zeros(len(close), dtype=bool), False
        for i, value in enumerate(rsi):
            if not np.isnan(value):
                if not holding and value < params.lower:
                    holding = True
                elif holding and value > params.upper:
                    holding = False
            want[i] = holding
        return want
    raise ValueError(f"Unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}.")


def _to_decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def run_sleeve(
    symbol: str,
    bars: pd.DataFrame,
    *,
    strategy: str,
    cash: Decimal,
    costs: orders.Costs,
    params: Params,
    fractional: bool = True,
) -> tuple[pd.Series, list[dict]]:
    """Equity per bar (floats) and the trades of one instrument."""
    want = wants_position(strategy, bars["close"], params)
    initial = strategy == "buy_and_hold"
    quantity, cost_basis = Decimal(0), Decimal(0)
    equity, trades = np.empty(len(bars)), []
    opens, closes, days = bars["open"].to_numpy(), bars["close"].to_numpy(), bars.index
    for i in range(len(bars)):
        target = initial if i == 0 else bool(want[i - 1])
        if target != (quantity > 0):
            side = orders.BUY if target else orders.SELL
            decision = orders.evaluate(side=side, order_type=orders.MARKET, price=_to_decimal(opens[i]), costs=costs)
            price = decision.price
            if side == orders.BUY:
                qty = _affordable(cash, price, costs, fractional)
                if qty > 0:
                    fees = costs.fees(qty * price)
                    cash -= qty * price + fees
                    quantity, cost_basis = qty, qty * price + fees
                    trades.append(_trade(days[i], symbol, side, qty, price, fees, None))
            else:
                fees = costs.fees(quantity * price)
                proceeds = quantity * price - fees
                cash += proceeds
                trades.append(_trade(days[i], symbol, side, quantity, price, fees, proceeds - cost_basis))
                quantity, cost_basis = Decimal(0), Decimal(0)
        equity[i] = float(cash + quantity * _to_decimal(closes[i]))
    return pd.Series(equity, index=days), trades


def _affordable(cash: Decimal, price: Decimal, costs: orders.Costs, fractional: bool) -> Decimal:
    step = QTY_PLACES if fractional else Decimal(1)
    budget = cash - costs.fee_fixed
    if budget <= 0 or price <= 0:
        return Decimal(0)
    qty = (budget / (price * (1 + costs.fee_bps / orders.BPS))).quantize(step, rounding=ROUND_DOWN)
    while qty > 0 and qty * price + costs.fees(qty * price) > cash:
        qty -= step
    return qty


def _trade(day, symbol, side, quantity, price, fees, pnl) -> dict:
    return {
        "date": day.date().isoformat(),
        "symbol": symbol,
        "side": side,
        "quantity": str(quantity),
        "price": str(price),
        "fees": str(fees),
        "realized_pnl": None if pnl is None else str(pnl.quantize(Decimal("0.01"))),
    }


def run(
    bars_by_symbol: dict[str, pd.DataFrame],
    *,
    strategy: str,
    initial_cash: Decimal,
    costs: orders.Costs,
    params: Params = Params(),
    fractional: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> dict:
    """Run the strategy on every instrument's sleeve; the equity curve is their sum."""
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}.")
    sleeve_cash = (initial_cash / len(bars_by_symbol)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    curves, trades = [], []
    for n, (symbol, bars) in enumerate(sorted(bars_by_symbol.items()), start=1):
        curve, sleeve_trades = run_sleeve(
            symbol, bars, strategy=strategy, cash=sleeve_cash, costs=costs, params=params, fractional=fractional
        )
        curves.append(curve.rename(symbol))
        trades.extend(sleeve_trades)
        if progress:
            progress(n, symbol)
    joined = pd.concat(curves, axis=1).sort_index().ffill()
    # Before an instrument's first bar its sleeve is still cash.
    joined = joined.fillna(float(sleeve_cash))
    leftover = float(initial_cash - sleeve_cash * len(bars_by_symbol))
    equity = joined.sum(axis=1) + leftover
    trades.sort(key=lambda t: (t["date"], t["symbol"]))
    return {"equity": equity, "trades": trades}
