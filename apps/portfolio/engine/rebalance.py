"""Drift against target weights and the trades that close it. Exact Decimal arithmetic.

- Total = cash + Σ position × price. A symbol's target value is its weight × total; weights may
  sum to less than 1, the rest being the cash target.
- ``buy_and_sell``: sell what is over target first, then buy what is under with the cash that
  leaves above the cash target. ``buy_only``: never sell; spend the cash above the cash target on
  the underweight positions, pro rata to their shortfall when it does not cover them all.
- Whole shares round every quantity down (never overspend, never oversell); fractional rounds
  down to 8 decimal places. Trades worth less than ``min_trade`` are left out.
- Costs are those of paper trading (``orders.Costs``): each trade fills at the price moved against
  it by the slippage and pays its fees, so a sale brings in less and a buy costs more than
  quantity × price. Buys are sized so that their cost, fees included (and no less than the paper
  order's own estimate), fits in the cash the sales leave above the cash target: executed as
  market orders at these prices, sells first, the plan never takes cash below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from . import orders

ZERO = Decimal(0)
QTY_PLACES = Decimal("0.00000001")
NO_COSTS = orders.Costs()


@dataclass(frozen=True)
class Position:
    symbol: str
    quantity: Decimal
    price: Decimal

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price


def _qty(amount: Decimal, price: Decimal, *, fractional: bool) -> Decimal:
    raw = amount / price
    return raw.quantize(QTY_PLACES if fractional else Decimal(1), rounding=ROUND_DOWN)


def _fill(side: str, price: Decimal, costs: orders.Costs) -> Decimal:
    return orders.evaluate(side=side, order_type=orders.MARKET, price=price, costs=costs).price


def _buy_cost(quantity: Decimal, price: Decimal, costs: orders.Costs) -> Decimal:
    """Cash a buy takes: the fill with its fees, or the paper order's estimate when that is more."""
    notional = quantity * _fill(orders.BUY, price, costs)
    actual = notional + costs.fees(notional)
    estimated = quantity * price * (1 + costs.slippage_bps / orders.BPS)
    return max(actual, estimated + costs.fees(estimated))


def _affordable(budget: Decimal, price: Decimal, costs: orders.Costs, *, fractional: bool) -> Decimal:
    step = QTY_PLACES if fractional else Decimal(1)
    unit = price * (1 + costs.slippage_bps / orders.BPS) * (1 + costs.fee_bps / orders.BPS)
    spendable = budget - costs.fee_fixed
    if spendable <= 0:
        return ZERO
    qty = _qty(spendable, unit, fractional=fractional)
    while qty > 0 and _buy_cost(qty, price, costs) > budget:
        qty -= step
    return qty


def plan(
    *,
    positions: list[Position],
    cash: Decimal,
    targets: dict[str, Decimal],
    mode: str = "buy_and_sell",
    fractional: bool = False,
    min_trade: Decimal = ZERO,
    costs: orders.Costs = NO_COSTS,
) -> dict:
    held = {p.symbol: p for p in positions}
    missing = sorted(s for s in targets if s not in held)
    if missing:
        raise ValueError(f"No price for {', '.join(missing)}.")
    total = cash + sum((p.value for p in positions), ZERO)
    if total <= 0:
        raise ValueError("The portfolio has no value to rebalance.")
    cash_target = (1 - sum(targets.values(), ZERO)) * total

    drift, deltas = [], {}
    for symbol in sorted(held):
        p = held[symbol]
        weight = targets.get(symbol, ZERO)
        current_w = p.value / total
        drift.append(
            {
                "symbol": symbol,
                "quantity": p.quantity,
                "price": p.price,
                "value": p.value,
                "weight": current_w,
                "target_weight": weight,
                "drift": current_w - weight,
                "target_value": weight * total,
            }
        )
        deltas[symbol] = weight * total - p.value

    trades, cash_left = [], cash
    if mode == "buy_and_sell":
        for symbol, delta in sorted(deltas.items()):
            p = held[symbol]
            if delta >= 0 or p.price <= 0:
                continue
            qty = min(_qty(-delta, p.price, fractional=fractional), p.quantity)
            if qty > 0 and qty * p.price >= min_trade:
                fill = _fill(orders.SELL, p.price, costs)
                fees = costs.fees(qty * fill)
                if qty * fill <= fees:
                    continue
                trades.append(_trade(symbol, "sell", qty, p.price, fill, fees, qty * fill - fees))
                cash_left += qty * fill - fees

    spendable = max(cash_left - cash_target, ZERO)
    wants = {s: d for s, d in deltas.items() if d > 0 and held[s].price > 0}
    needed = sum(wants.values(), ZERO)
    scale = min(Decimal(1), spendable / needed) if needed else ZERO
    budget_left = spendable
    for symbol, delta in sorted(wants.items(), key=lambda kv: (-kv[1], kv[0])):
        p = held[symbol]
        qty = _affordable(min(delta * scale, budget_left), p.price, costs, fractional=fractional)
        if qty > 0 and qty * p.price >= min_trade:
            cost = _buy_cost(qty, p.price, costs)
            fill = _fill(orders.BUY, p.price, costs)
            fees = costs.fees(qty * fill)
            trades.append(_trade(symbol, "buy", qty, p.price, fill, fees, -(qty * fill + fees)))
            cash_left -= qty * fill + fees
            budget_left -= cost

    after = {s: held[s].quantity for s in held}
    for t in trades:
        after[t["symbol"]] += t["quantity"] if t["side"] == "buy" else -t["quantity"]
    weights_after = {s: (after[s] * held[s].price / total) for s in sorted(held)}
    return {
        "total_value": total,
        "cash": cash,
        "cash_weight": cash / total,
        "cash_target_weight": cash_target / total,
        "drift": drift,
        "trades": trades,
        "cash_after": cash_left,
        "weights_after": weights_after,
        "max_drift_after": max((abs(weights_after[s] - targets.get(s, ZERO)) for s in held), default=ZERO),
        "fees": sum((t["fees"] for t in trades), ZERO),
        "costs": {"slippage_bps": costs.slippage_bps, "fee_bps": costs.fee_bps, "fee_fixed": costs.fee_fixed},
    }


def _trade(symbol, side, quantity, price, fill, fees, cash_change) -> dict:
    """``price``: the latest price; ``fill_price``: after slippage; ``cash``: the cash it moves."""
    return {
        "symbol": symbol,
        "side": side,
        "quantity": quantity,
        "price": price,
        "value": quantity * price,
        "fill_price": fill,
        "fees": fees,
        "cash": cash_change,
    }
