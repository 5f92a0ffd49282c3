"""The fill rules of paper trading, shared by the live matcher and the backtester.

- ``market``: fills at the next price seen.
- ``limit``: a buy fills when the price is at or below the limit, a sell at or above it; never at a
  worse price than the limit.
- ``stop`` (stop-loss): a sell triggers when the price falls to the stop or below, a buy when it
  rises to the stop or above; it then fills like a market order.
- ``stop_limit``: the stop triggers as above and turns the order into a limit order at its limit
  price (it may fill on the same price if that also satisfies the limit).
- Slippage moves every fill against the trader by ``slippage_bps`` (capped by the limit price);
  fees are ``fee_bps`` of the notional plus ``fee_fixed`` per fill, rounded to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

PRICE_PLACES = Decimal("0.00000001")
CENT = Decimal("0.01")
BPS = Decimal(10_000)

MARKET, LIMIT, STOP, STOP_LIMIT = "market", "limit", "stop", "stop_limit"
BUY, SELL = "buy", "sell"


@dataclass(frozen=True)
class Costs:
    slippage_bps: Decimal = Decimal(0)
    fee_bps: Decimal = Decimal(0)
    fee_fixed: Decimal = Decimal(0)

    def fees(self, notional: Decimal) -> Decimal:
        return (notional * self.fee_bps / BPS + self.fee_fixed).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Decision:
    fill: bool
    price: Decimal | None = None
    triggered: bool = False


def _slipped(side: str, price: Decimal, costs: Costs) -> Decimal:
    factor = 1 + costs.slippage_bps / BPS if side == BUY else 1 - costs.slippage_bps / BPS
    return (price * factor).quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)


def _limit(side: str, price: Decimal, limit: Decimal, costs: Costs) -> Decision:
    if side == BUY and price <= limit:
        return Decision(True, min(_slipped(side, price, costs), limit))
    if side == SELL and price >= limit:
        return Decision(True, max(_slipped(side, price, costs), limit))
    return Decision(False)


def _stop_hit(side: str, price: Decimal, stop: Decimal) -> bool:
    return price >= stop if side == BUY else price <= stop


def evaluate(
    *,
    side: str,
    order_type: str,
    price: Decimal,
    limit_price: Decimal | None = None,
    stop_price: Decimal | None = None,
    triggered: bool = False,
    costs: Costs = Costs(),
) -> Decision:
    """Whether an open order fills at ``price``, and at what price."""
    if order_type == MARKET:
        return Decision(True, _slipped(side, price, costs))
    if order_type == LIMIT:
        return _limit(side, price, limit_price, costs)
    if order_type == STOP:
        if _stop_hit(side, price, stop_price):
            return Decision(True, _slipped(side, price, costs), triggered=True)
        return Decision(False)
    if order_type == STOP_LIMIT:
        now_triggered = triggered or _stop_hit(side, price, stop_price)
        if not now_triggered:
            return Decision(False)
        decision = _limit(side, price, limit_price, costs)
        return Decision(decision.fill, decision.price, triggered=True)
    raise ValueError(f"Unknown order type {order_type!r}")
