"""Paper trading: placing, matching, cancelling and expiring orders.

Orders are matched against the market feed's prices (``market.signals.ticks_recorded``) by the
rules of ``engine.orders``; a fill is recorded through the same ledger service as a manual trade
(source ``paper``), under the portfolio's row lock. A fill the ledger refuses at that moment (the
cash or the shares are gone) rejects the order with the ledger's reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.market import selectors as market

from .. import selectors
from ..engine import orders as rules
from ..models import Order, Portfolio
from .ledger import TransactionInput, _lock, audit, record_transaction

logger = logging.getLogger(__name__)


def costs() -> rules.Costs:
    return selectors.paper_costs()


@dataclass
class OrderInput:
    symbol: str
    side: str
    kind: str
    quantity: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str = "gtc"


def _reference_price(order_kind: str, limit: Decimal | None, stop: Decimal | None, current: Decimal | None):
    if order_kind in (rules.LIMIT, rules.STOP_LIMIT):
        return limit
    if order_kind == rules.STOP:
        return stop
    return current


def _open_orders(portfolio: Portfolio, instrument=None):
    rows = Order.objects.filter(portfolio=portfolio, status=Order.Status.OPEN)
    return rows.filter(instrument=instrument) if instrument is not None else rows


def _check_order(portfolio: Portfolio, data: OrderInput):
    errors = {}
    try:
        instrument = market.instrument(symbol=data.symbol)
    except market.UnknownSymbol:
        raise ValidationError({"symbol": f"Unknown symbol {data.symbol!r}."}) from None
    if instrument.currency != portfolio.base_currency:
        errors["symbol"] = (
            f"{instrument.symbol} trades in {instrument.currency}; this portfolio holds {portfolio.base_currency}."
        )
    if data.quantity is None or data.quantity <= 0:
        errors["quantity"] = "Must be greater than zero."
    if data.side == Order.Side.SELL and portfolio.cost_basis_method == Portfolio.CostBasis.SPECIFIC:
        errors["side"] = (
            "This portfolio sells specific lots, which paper orders cannot name; record the sale as a transaction."
        )
    needs_limit = data.kind in (rules.LIMIT, rules.STOP_LIMIT)
    needs_stop = data.kind in (rules.STOP, rules.STOP_LIMIT)
    if needs_limit and (data.limit_price is None or data.limit_price <= 0):
        errors["limit_price"] = f"A {data.kind} order needs a limit price greater than zero."
    if not needs_limit and data.limit_price is not None:
        errors["limit_price"] = f"A {data.kind} order takes no limit price."
    if needs_stop and (data.stop_price is None or data.stop_price <= 0):
        errors["stop_price"] = f"A {data.kind} order needs a stop price greater than zero."
    if not needs_stop and data.stop_price is not None:
        errors["stop_price"] = f"A {data.kind} order takes no stop price."
    if errors:
        raise ValidationError(errors)
    return instrument


@transaction.atomic
def place_order(*, portfolio: Portfolio, actor, data: OrderInput) -> Order:
    """Place a paper order. A sell may not exceed the position left after open sells; a buy may not
    cost more than the cash left after open buys. It is matched at once against the latest price
    (so a market order fills now), then on every tick. Audited."""
    locked = _lock(portfolio)
    instrument = _check_order(locked, data)
    known = market.current_price(instrument)
    current = known[0] if known else None
    if data.kind == rules.MARKET and current is None:
        raise ValidationError({"symbol": f"No price is known for {instrument.symbol}; a market order needs one."})

    if data.side == Order.Side.SELL:
        held = locked.holdings.filter(instrument=instrument).values_list("quantity", flat=True).first() or Decimal(0)
        pending = sum(o.quantity for o in _open_orders(locked, instrument).filter(side=Order.Side.SELL))
        if data.quantity > held - pending:
            raise ValidationError(
                {
                    "quantity": f"Selling {_n(data.quantity)} {instrument.symbol} exceeds the position of {_n(held)}"
                    + (f" less {_n(pending)} in open sell orders." if pending else ".")
                }
            )
    else:
        pricing = costs()
        reference = _reference_price(data.kind, data.limit_price, data.stop_price, current)
        estimate = _estimate(data.quantity, reference, pricing)
        committed = sum(
            _estimate(o.quantity, _reference_price(o.kind, o.limit_price, o.stop_price, current), pricing)
            for o in _open_orders(locked).filter(side=Order.Side.BUY).select_related("instrument")
        )
        if estimate > locked.cash - committed:
            raise ValidationError(
                {
                    "quantity": f"The order needs about {estimate:.2f} {locked.base_currency} but the cash left is "
                    f"{locked.cash - committed:.2f}" + (" after open buy orders." if committed else ".")
                }
            )

    order = Order.objects.create(
        portfolio=locked,
        instrument=instrument,
        side=data.side,
        kind=data.kind,
        quantity=data.quantity,
        limit_price=data.limit_price,
        stop_price=data.stop_price,
        time_in_force=data.time_in_force,
    )
    audit(portfolio=locked, actor=actor, action="place_order", obj=order, after=order_snapshot(order))
    if current is not None:
        _try_fill(order, price=current, source=known[1], when=timezone.now())
    return order


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _estimate(quantity: Decimal, price: Decimal | None, pricing: rules.Costs) -> Decimal:
    if price is None:
        return Decimal(0)
    notional = quantity * price * (1 + pricing.slippage_bps / rules.BPS)
    return notional + pricing.fees(notional)


def order_snapshot(order: Order) -> dict:
    return {
        "id": order.pk,
        "symbol": order.instrument.symbol,
        "side": order.side,
        "kind": order.kind,
        "quantity": str(order.quantity),
        "limit_price": None if order.limit_price is None else str(order.limit_price),
        "stop_price": None if order.stop_price is None else str(order.stop_price),
        "time_in_force": order.time_in_force,
        "status": order.status,
    }


def _try_fill(order: Order, *, price: Decimal, source: str, when) -> bool:
    """Match one open order against one price (the caller holds the portfolio lock)."""
    decision = rules.evaluate(
        side=order.side,
        order_type=order.kind,
        price=price,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        triggered=order.triggered,
        costs=costs(),
    )
    if not decision.fill:
        if decision.triggered and not order.triggered:
            order.triggered = True
            order.save(update_fields=["triggered"])
        return False
    pricing = costs()
    fees = pricing.fees(order.quantity * decision.price)
    data = TransactionInput(
        type=order.side,
        trade_date=timezone.localdate(when),
        symbol=order.instrument.symbol,
        quantity=order.quantity,
        price=decision.price,
        fees=fees,
        currency=order.instrument.currency,
        note=f"Paper order {order.pk} ({order.get_kind_display().lower()}), price from {source}",
    )
    try:
        with transaction.atomic():
            recorded = record_transaction(portfolio=order.portfolio, actor=None, data=data, source="paper")
    except ValidationError as exc:
        order.status = Order.Status.REJECTED
        order.reason = " ".join(exc.messages)[:300]
    else:
        order.status = Order.Status.FILLED
        order.fill_price, order.fees, order.transaction = decision.price, fees, recorded.transaction
    order.triggered = order.triggered or decision.triggered
    order.price_source = source[:50]
    order.closed_at = timezone.now()
    order.save()
    return order.status == Order.Status.FILLED


def match_orders(*, ticks: list[dict]) -> int:
    """Match the open orders of the ticks' instruments (and expire stale day orders). Each
    portfolio is handled in its own transaction under its lock. Returns the number of fills."""
    prices = {t["symbol"].upper(): t for t in ticks}
    candidates = (
        Order.objects.filter(status=Order.Status.OPEN, instrument__symbol__in=list(prices))
        .values_list("portfolio_id", flat=True)
        .distinct()
    )
    filled = 0
    for portfolio_id in list(candidates):
        with transaction.atomic():
            portfolio = Portfolio.objects.select_for_update().get(pk=portfolio_id)
            open_orders = (
                Order.objects.filter(portfolio=portfolio, status=Order.Status.OPEN, instrument__symbol__in=list(prices))
                .select_related("instrument", "portfolio")
                .order_by("created_at", "id")
            )
            for order in open_orders:
                tick = prices[order.instrument.symbol.upper()]
                if _expired(order, tick["time"]):
                    _close(order, Order.Status.EXPIRED, "A day order that did not fill on its day.")
                    continue
                filled += _try_fill(order, price=Decimal(str(tick["price"])), source=tick["source"], when=tick["time"])
    return filled


def _expired(order: Order, when) -> bool:
    return order.time_in_force == Order.TimeInForce.DAY and timezone.localdate(when) > timezone.localdate(
        order.created_at
    )


def _close(order: Order, status: str, reason: str) -> None:
    order.status, order.reason, order.closed_at = status, reason, timezone.now()
    order.save(update_fields=["status", "reason", "closed_at"])


def expire_day_orders() -> int:
    """Expire every open day order placed before today. Returns the count."""
    return Order.objects.filter(
        status=Order.Status.OPEN,
        time_in_force=Order.TimeInForce.DAY,
        created_at__date__lt=timezone.localdate(),
    ).update(status=Order.Status.EXPIRED, reason="A day order that did not fill on its day.", closed_at=timezone.now())


@transaction.atomic
def cancel_order(*, order: Order, actor) -> Order:
    """Cancel an open order; a filled, cancelled or expired one answers a 400 saying which."""
    locked = _lock(order.portfolio)
    changed = Order.objects.filter(pk=order.pk, status=Order.Status.OPEN).update(
        status=Order.Status.CANCELLED, reason="Cancelled by the owner.", closed_at=timezone.now()
    )
    order.refresh_from_db()
    if not changed:
        raise ValidationError(
            {"status": f"The order is {order.get_status_display().lower()}; only open orders can be cancelled."}
        )
    audit(portfolio=locked, actor=actor, action="cancel_order", obj=order, after=order_snapshot(order))
    return order


def on_ticks(sender, ticks, **kwargs) -> None:
    """Receiver of ``market.signals.ticks_recorded``."""
    try:
        match_orders(ticks=ticks)
    except Exception:
        logger.exception("Paper-order matching failed for %d tick(s)", len(ticks))
