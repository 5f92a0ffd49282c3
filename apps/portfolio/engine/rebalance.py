"""Drift against target weights and the trades that close it. Exact Decimal arithmetic.

- Total = cash + Σ position × price. A symbol's target value is its weight × total; weights may
  sum to less than 1, the rest being the cash target.
- ``buy_and_sell``: sell what is over target first, then buy what is under with the cash that
  leaves above the cash target. ``buy_only``: never sell; spend the cash above the cash target on
  the underweight positions, pro rata to their shortfall when it does not cover them all.
- Whole shares round every quantity down (never overspend, never oversell); fractional rounds
  down to 8 decimal places. Trades worth less than ``min_trade`` are left out.
- Fees are not modelled here; the orders placed from the plan pay them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal(0)
QTY_PLACES = Decimal("0.00000001")


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


def plan(
    *,
    positions: list[Position],
    cash: Decimal,
    targets: dict[str, Decimal],
    mode: str = "buy_and_sell",
    fractional: bool = False,
    min_trade: Decimal = ZERO,
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
                trades.append(
                    {"symbol": symbol, "side": "sell", "quantity": qty, "price": p.price, "value": qty * p.price}
                )
                cash_left += qty * p.price

    spendable = max(cash_left - cash_target, ZERO)
    wants = {s: d for s, d in deltas.items() if d > 0 and held[s].price > 0}
    needed = sum(wants.values(), ZERO)
    scale = min(Decimal(1), spendable / needed) if needed else ZERO
    for symbol, delta in sorted(wants.items(), key=lambda kv: (-kv[1], kv[0])):
        p = held[symbol]
        qty = _qty(delta * scale, p.price, fractional=fractional)
        if qty > 0 and qty * p.price >= min_trade and qty * p.price <= cash_left:
            trades.append({"symbol": symbol, "side": "buy", "quantity": qty, "price": p.price, "value": qty * p.price})
            cash_left -= qty * p.price

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
    }
