"""Replay of a portfolio's transactions into cash, tax lots, realised gains and dividends.

Pure and exact: ``Decimal`` in, ``Decimal`` out, no Django. The service layer replays the whole
history on every change (appending, back-dating, editing or deleting a transaction), so lots and
P&L always follow from the transactions as they now stand; a history that cannot have happened
(selling more than held, spending cash that is not there) raises ``LedgerError`` naming the field
of the transaction at fault, and nothing is stored.

Conventions
- Order: by trade date, then by the order in which transactions were entered.
- A buy opens one lot; its cost is quantity × price + fees (fees are part of the cost basis).
- A sell consumes lots by the portfolio's method: FIFO (oldest first), LIFO (newest first) or
  specific lots (``lots=[(lot id, quantity), …]``, a lot being named by the buy that opened it).
  Proceeds are quantity × price − fees; the fees are shared among the consumed lots pro rata to
  quantity. Realised P&L per consumed lot = its proceeds share − its cost share.
- Cost of a partly consumed lot is split pro rata and rounded to 8 decimal places; the rounding
  stays in the lot, so consumed cost + remaining cost always equals the original cost exactly.
- A split of ratio r (2 for 2-for-1, 0.5 for 1-for-2) multiplies every open lot's quantity by r and
  keeps its cost: the cost per share falls by r, the cost basis does not change.
- A dividend is cash received (``amount``, net of ``fees``) on a position held that day; with an
  ex-dividend date (``ex_date``, on or before the payment), on the position held at the start of
  that day instead (bought before it, still held at it), so a dividend paid after a sale is
  accepted when the ex-date falls inside the holding period.
- Deposits add cash, withdrawals and fees remove it; no step may take cash below zero.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

ZERO = Decimal(0)
MONEY_PLACES = Decimal("0.00000001")

BUY, SELL, DIVIDEND, DEPOSIT, WITHDRAWAL, FEE, SPLIT = (
    "buy",
    "sell",
    "dividend",
    "deposit",
    "withdrawal",
    "fee",
    "split",
)
TRADES = {BUY, SELL}
CASH_TYPES = {DEPOSIT, WITHDRAWAL, FEE}
FIFO, LIFO, SPECIFIC = "fifo", "lifo", "specific"


class LedgerError(ValueError):
    """A transaction that cannot happen given the ones before it."""

    def __init__(self, field: str, message: str, *, transaction_id=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.transaction_id = transaction_id


@dataclass
class Entry:
    """One transaction as the engine sees it. ``symbol`` is None for cash movements."""

    id: object
    type: str
    trade_date: date
    symbol: str | None = None
    quantity: Decimal = ZERO
    price: Decimal = ZERO
    fees: Decimal = ZERO
    amount: Decimal = ZERO
    ratio: Decimal = ZERO
    lots: list[tuple[object, Decimal]] | None = None
    ex_date: date | None = None


@dataclass
class Lot:
    id: object  # the id of the buy that opened it
    symbol: str
    opened_on: date
    quantity: Decimal  # split-adjusted quantity bought
    remaining: Decimal
    cost: Decimal  # cost of the remaining quantity
    original_cost: Decimal

    @property
    def is_open(self) -> bool:
        return self.remaining > 0


@dataclass
class Consumption:
    sale_id: object
    lot_id: object
    symbol: str
    sold_on: date
    opened_on: date
    quantity: Decimal
    cost: Decimal
    proceeds: Decimal
    realized_pnl: Decimal


@dataclass
class Dividend:
    entry_id: object
    symbol: str
    paid_on: date
    amount: Decimal  # net of fees
    quantity_held: Decimal
    cost_basis: Decimal  # of the position on the day it was paid


@dataclass
class Ledger:
    cash: Decimal = ZERO
    lots: dict[str, list[Lot]] = field(default_factory=dict)
    consumptions: list[Consumption] = field(default_factory=list)
    dividends: list[Dividend] = field(default_factory=list)
    cash_after: dict[object, Decimal] = field(default_factory=dict)
    position_after: dict[object, Decimal] = field(default_factory=dict)
    positions: dict[str, Decimal] = field(default_factory=dict)
    open_by_symbol: dict[str, deque[Lot]] = field(default_factory=dict)
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    # symbol → [(trade date, position after)], in ledger order (for ex-dividend dates)
    position_history: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)

    def position_before(self, symbol: str, day: date) -> Decimal:
        """The position at the start of ``day`` (after every transaction dated before it)."""
        held = ZERO
        for when, position in self.position_history.get(symbol, ()):
            if when >= day:
                break
            held = position
        return held

    def position(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, ZERO)

    def cost_basis(self, symbol: str) -> Decimal:
        return sum((lot.cost for lot in self.open_by_symbol.get(symbol, ())), ZERO)

    def open_lots(self, symbol: str | None = None) -> list[Lot]:
        symbols = [symbol] if symbol else sorted(self.open_by_symbol)
        return [lot for s in symbols for lot in self.open_by_symbol.get(s, ()) if lot.is_open]

    def realized_for(self, sale_id) -> list[Consumption]:
        return [c for c in self.consumptions if c.sale_id == sale_id]


def _money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_EVEN)


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def replay(entries: Iterable[Entry], *, method: str = FIFO) -> Ledger:
    """Apply ``entries`` (already in ledger order) and return the resulting ledger."""
    ledger = Ledger()
    for entry in entries:
        _apply(ledger, entry, method)
        ledger.cash_after[entry.id] = ledger.cash
        if entry.symbol:
            ledger.position_after[entry.id] = ledger.position(entry.symbol)
            ledger.position_history.setdefault(entry.symbol, []).append(
                (entry.trade_date, ledger.position(entry.symbol))
            )
    return ledger


def _need_cash(ledger: Ledger, entry: Entry, needed: Decimal, field: str, what: str) -> None:
    if needed > ledger.cash:
        raise LedgerError(
            field,
            f"{what} needs {_fmt(needed)} but the cash balance on {entry.trade_date} is {_fmt(ledger.cash)}.",
            transaction_id=entry.id,
        )


def _apply(ledger: Ledger, entry: Entry, method: str) -> None:
    kind = entry.type
    if kind == DEPOSIT:
        ledger.cash += entry.amount
        ledger.deposits += entry.amount
    elif kind == WITHDRAWAL:
        _need_cash(ledger, entry, entry.amount, "amount", "The withdrawal")
        ledger.cash -= entry.amount
        ledger.withdrawals += entry.amount
    elif kind == FEE:
        _need_cash(ledger, entry, entry.amount, "amount", "The fee")
        ledger.cash -= entry.amount
    elif kind == BUY:
        cost = entry.quantity * entry.price + entry.fees
        _need_cash(ledger, entry, cost, "quantity", f"Buying {_fmt(entry.quantity)} {entry.symbol}")
        ledger.cash -= cost
        ledger.positions[entry.symbol] = ledger.position(entry.symbol) + entry.quantity
        lot = Lot(
            id=entry.id,
            symbol=entry.symbol,
            opened_on=entry.trade_date,
            quantity=entry.quantity,
            remaining=entry.quantity,
            cost=cost,
            original_cost=cost,
        )
        ledger.lots.setdefault(entry.symbol, []).append(lot)
        ledger.open_by_symbol.setdefault(entry.symbol, deque()).append(lot)
    elif kind == SELL:
        _sell(ledger, entry, method)
    elif kind == DIVIDEND:
        if entry.ex_date is not None:
            held = ledger.position_before(entry.symbol, entry.ex_date)
            if held <= 0:
                raise LedgerError(
                    "ex_date",
                    f"No {entry.symbol} was held at the start of the ex-dividend date {entry.ex_date}.",
                    transaction_id=entry.id,
                )
        else:
            held = ledger.position(entry.symbol)
            if held <= 0:
                raise LedgerError(
                    "symbol",
                    f"No {entry.symbol} is held on {entry.trade_date} to pay a dividend on "
                    "(a dividend paid after a sale needs its ex_date).",
                    transaction_id=entry.id,
                )
        net = entry.amount - entry.fees
        if net < 0:
            raise LedgerError("fees", "The fees exceed the dividend.", transaction_id=entry.id)
        ledger.cash += net
        ledger.dividends.append(
            Dividend(entry.id, entry.symbol, entry.trade_date, net, held, ledger.cost_basis(entry.symbol))
        )
    elif kind == SPLIT:
        if ledger.position(entry.symbol) <= 0:
            raise LedgerError(
                "symbol", f"No {entry.symbol} is held on {entry.trade_date} to split.", transaction_id=entry.id
            )
        for lot in ledger.open_by_symbol[entry.symbol]:
            lot.quantity *= entry.ratio
            lot.remaining *= entry.ratio
        ledger.positions[entry.symbol] = ledger.position(entry.symbol) * entry.ratio
    else:
        raise LedgerError("type", f"Unknown transaction type {kind!r}.", transaction_id=entry.id)


def _sell(ledger: Ledger, entry: Entry, method: str) -> None:
    held = ledger.position(entry.symbol)
    if entry.quantity > held:
        raise LedgerError(
            "quantity",
            f"Selling {_fmt(entry.quantity)} {entry.symbol} on {entry.trade_date}, "
            f"but the position then is {_fmt(held)}.",
            transaction_id=entry.id,
        )
    proceeds_gross = entry.quantity * entry.price
    if entry.fees > proceeds_gross:
        raise LedgerError("fees", "The fees exceed the sale's proceeds.", transaction_id=entry.id)

    open_lots = ledger.open_by_symbol.setdefault(entry.symbol, deque())
    if entry.lots:
        picks = _specific_picks(list(open_lots), entry)
    elif method == SPECIFIC:
        raise LedgerError(
            "lots", "This portfolio sells specific lots: say which lots to sell.", transaction_id=entry.id
        )
    else:
        # Open lots are kept in opening order: FIFO takes from the front, LIFO from the back.
        picks, left = [], entry.quantity
        for lot in open_lots if method == FIFO else reversed(open_lots):
            if left <= 0:
                break
            take = min(lot.remaining, left)
            picks.append((lot, take))
            left -= take

    fees_left, n = entry.fees, len(picks)
    for i, (lot, take) in enumerate(picks):
        # The last share of a lot takes whatever cost is left, so rounding never loses a cent.
        cost = lot.cost if take == lot.remaining else _money(lot.cost * take / lot.remaining)
        fee_share = fees_left if i == n - 1 else _money(entry.fees * take / entry.quantity)
        fees_left -= fee_share
        proceeds = take * entry.price - fee_share
        lot.remaining -= take
        lot.cost -= cost
        ledger.consumptions.append(
            Consumption(
                sale_id=entry.id,
                lot_id=lot.id,
                symbol=entry.symbol,
                sold_on=entry.trade_date,
                opened_on=lot.opened_on,
                quantity=take,
                cost=cost,
                proceeds=proceeds,
                realized_pnl=proceeds - cost,
            )
        )
    ledger.cash += proceeds_gross - entry.fees
    ledger.positions[entry.symbol] = held - entry.quantity
    if method == FIFO and not entry.lots:
        while open_lots and not open_lots[0].is_open:
            open_lots.popleft()
    elif method == LIFO and not entry.lots:
        while open_lots and not open_lots[-1].is_open:
            open_lots.pop()
    else:
        ledger.open_by_symbol[entry.symbol] = deque(lot for lot in open_lots if lot.is_open)


def _specific_picks(open_lots: list[Lot], entry: Entry) -> list[tuple[Lot, Decimal]]:
    by_id = {str(lot.id): lot for lot in open_lots}
    picks, total, seen = [], ZERO, set()
    for lot_id, quantity in entry.lots:
        if str(lot_id) in seen:
            raise LedgerError("lots", f"Lot {lot_id} is named twice.", transaction_id=entry.id)
        seen.add(str(lot_id))
        lot = by_id.get(str(lot_id))
        if lot is None:
            raise LedgerError("lots", f"Lot {lot_id} is not an open {entry.symbol} lot.", transaction_id=entry.id)
        if quantity <= 0 or quantity > lot.remaining:
            raise LedgerError(
                "lots",
                f"Lot {lot_id} holds {_fmt(lot.remaining)}; cannot sell {_fmt(quantity)} from it.",
                transaction_id=entry.id,
            )
        picks.append((lot, quantity))
        total += quantity
    if total != entry.quantity:
        raise LedgerError(
            "lots", f"The lots add up to {_fmt(total)}, not the {_fmt(entry.quantity)} sold.", transaction_id=entry.id
        )
    return picks
