"""Writes of the ledger: portfolios, transactions, CSV import, targets.

Every write locks the portfolio row (``SELECT … FOR UPDATE``), so two writers on one portfolio run
one after the other; it then replays the whole history through ``engine.ledger`` and stores the
derived lots, realised gains, holdings and cash in the same database transaction. A history that
cannot have happened raises ``ValidationError`` naming the field, and nothing is stored. Each
change writes an ``AuditEntry``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.market import selectors as market

from .. import selectors
from ..engine import ledger as engine
from ..models import AuditEntry, Holding, Portfolio, Realization, TargetWeight, TaxLot, Transaction

TRADE_TYPES = {"buy", "sell"}
INSTRUMENT_TYPES = {"buy", "sell", "dividend", "split"}
AMOUNT_TYPES = {"deposit", "withdrawal", "fee", "dividend"}
CSV_COLUMNS = ["date", "type", "symbol", "quantity", "price", "fees", "amount", "currency", "ratio", "note"]
MAX_IMPORT_ROWS = 50_000


# --- audit ------------------------------------------------------------------------------------


def transaction_snapshot(txn: Transaction) -> dict[str, Any]:
    return {
        "id": txn.pk,
        "type": txn.type,
        "symbol": txn.instrument.symbol if txn.instrument_id else None,
        "quantity": _s(txn.quantity),
        "price": _s(txn.price),
        "fees": _s(txn.fees),
        "amount": _s(txn.amount),
        "ratio": _s(txn.ratio),
        "lots": txn.lots,
        "currency": txn.currency,
        "trade_date": txn.trade_date.isoformat(),
        "ex_date": txn.ex_date.isoformat() if txn.ex_date else None,
        "note": txn.note,
        "source": txn.source,
    }


def _s(value) -> str | None:
    return None if value is None else str(value)


def audit(*, portfolio: Portfolio, actor, action: str, obj, before=None, after=None) -> None:
    AuditEntry.objects.create(
        portfolio=portfolio,
        portfolio_name=portfolio.name,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk or ""),
        before=before,
        after=after,
    )


# --- portfolios -------------------------------------------------------------------------------


def _benchmark(symbol: str | None):
    return market.instrument(symbol=symbol) if symbol else None


@transaction.atomic
def create_portfolio(
    *, owner, name: str, base_currency: str = "USD", cost_basis_method: str = "fifo", benchmark: str | None = None
) -> Portfolio:
    """Create an empty portfolio; the name must be new for this owner. Audited."""
    name = name.strip()
    if Portfolio.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a portfolio called {name!r}."})
    portfolio = Portfolio.objects.create(
        owner=owner,
        name=name,
        base_currency=base_currency.upper(),
        cost_basis_method=cost_basis_method,
        benchmark=_benchmark(benchmark),
    )
    audit(portfolio=portfolio, actor=owner, action="create", obj=portfolio, after={"name": name})
    return portfolio


@transaction.atomic
def update_portfolio(*, portfolio: Portfolio, actor, **changes) -> Portfolio:
    """Rename, change the benchmark or the cost-basis method (which replays every sale)."""
    locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    before = {"name": locked.name, "cost_basis_method": locked.cost_basis_method, "benchmark": locked.benchmark_id}
    if "name" in changes:
        name = changes["name"].strip()
        if Portfolio.objects.filter(owner=locked.owner, name__iexact=name).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": f"You already have a portfolio called {name!r}."})
        locked.name = name
    if "benchmark" in changes:
        locked.benchmark = _benchmark(changes["benchmark"])
    if "base_currency" in changes and changes["base_currency"].upper() != locked.base_currency:
        if locked.transactions.exists():
            raise ValidationError({"base_currency": "The currency of a portfolio with transactions cannot change."})
        locked.base_currency = changes["base_currency"].upper()
    method_changed = "cost_basis_method" in changes and changes["cost_basis_method"] != locked.cost_basis_method
    if method_changed:
        locked.cost_basis_method = changes["cost_basis_method"]
    locked.save()
    if method_changed:
        _rebuild(locked, changed=None)
    audit(
        portfolio=locked,
        actor=actor,
        action="update",
        obj=locked,
        before=before,
        after={"name": locked.name, "cost_basis_method": locked.cost_basis_method, "benchmark": locked.benchmark_id},
    )
    return locked


@transaction.atomic
def delete_portfolio(*, portfolio: Portfolio, actor) -> None:
    """Delete the portfolio with its transactions, lots and orders; the audit trail stays."""
    locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    audit(portfolio=locked, actor=actor, action="delete", obj=locked, before={"name": locked.name})
    locked.delete()


# --- transactions -----------------------------------------------------------------------------


@dataclass
class TransactionInput:
    """A transaction as parsed from a request or a CSV row (types already checked)."""

    type: str
    trade_date: date
    symbol: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fees: Decimal = Decimal(0)
    amount: Decimal | None = None
    ratio: Decimal | None = None
    currency: str | None = None
    lots: list[dict] | None = None
    note: str = ""
    ex_date: date | None = None


def _check(portfolio: Portfolio, data: TransactionInput, instruments: dict | None = None) -> dict[str, Any]:
    """Field rules that need the portfolio or the instruments; returns model field values."""
    errors: dict[str, str] = {}
    kind = data.type
    if kind not in Transaction.Type.values:
        raise ValidationError({"type": f"Must be one of {', '.join(Transaction.Type.values)}."})
    if data.trade_date > timezone.localdate():
        errors["trade_date"] = f"{data.trade_date} is in the future."
    instrument = None
    if kind in INSTRUMENT_TYPES:
        if not data.symbol:
            errors["symbol"] = f"A {kind} needs a symbol."
        else:
            key = data.symbol.strip().upper()
            instrument = (instruments or {}).get(key) if instruments is not None else None
            if instrument is None:
                try:
                    instrument = market.instrument(symbol=key)
                except market.UnknownSymbol:
                    errors["symbol"] = f"Unknown symbol {data.symbol!r}."
    elif data.symbol:
        errors["symbol"] = f"A {kind} is a cash movement and takes no symbol."
    if kind in TRADE_TYPES:
        if data.quantity is None or data.quantity <= 0:
            errors["quantity"] = "Must be greater than zero."
        if data.price is None or data.price <= 0:
            errors["price"] = "Must be greater than zero."
    if kind in AMOUNT_TYPES and (data.amount is None or data.amount <= 0):
        errors["amount"] = "Must be greater than zero."
    if kind == "split" and (data.ratio is None or data.ratio <= 0):
        errors["ratio"] = "A split needs a ratio greater than zero (2 for 2-for-1, 0.5 for 1-for-2)."
    if data.fees is None or data.fees < 0:
        errors["fees"] = "Must be zero or more."
    if data.lots is not None and kind != "sell":
        errors["lots"] = "Only a sale names lots."
    if data.ex_date is not None and kind != "dividend":
        errors["ex_date"] = "Only a dividend has an ex-dividend date."
    elif data.ex_date is not None and data.ex_date > data.trade_date:
        errors["ex_date"] = f"The ex-dividend date {data.ex_date} is after the payment date {data.trade_date}."
    currency = (data.currency or (instrument.currency if instrument else portfolio.base_currency)).upper()
    if instrument is not None and currency != instrument.currency:
        errors["currency"] = f"{instrument.symbol} trades in {instrument.currency}, not {currency}."
    elif currency != portfolio.base_currency:
        errors["currency"] = f"This portfolio holds {portfolio.base_currency}; {currency} is not accepted."
    if errors:
        raise ValidationError(errors)
    return {
        "type": kind,
        "instrument": instrument,
        "quantity": data.quantity if kind in TRADE_TYPES else None,
        "price": data.price if kind in TRADE_TYPES else None,
        "fees": data.fees or Decimal(0),
        "amount": data.amount if kind in AMOUNT_TYPES else None,
        "ratio": data.ratio if kind == "split" else None,
        "lots": data.lots if kind == "sell" else None,
        "currency": currency,
        "trade_date": data.trade_date,
        "ex_date": data.ex_date if kind == "dividend" else None,
        "note": data.note or "",
    }


def _rebuild(portfolio: Portfolio, *, changed: set[int] | None, symbols: set[str] | None = None) -> engine.Ledger:
    """Replay the ledger and store what it derives. ``changed``: ids of the transactions this write
    added or edited (an error in another transaction is reported as a consequence of the change).
    ``symbols``: the instruments whose lots may have changed (None: all)."""
    entries, instruments = selectors.ledger_entries(portfolio)
    try:
        result = engine.replay(entries, method=portfolio.cost_basis_method)
    except engine.LedgerError as exc:
        if changed is not None and exc.transaction_id in changed:
            raise ValidationError({exc.field: exc.message}) from exc
        broken = next(e for e in entries if e.id == exc.transaction_id)
        raise ValidationError(
            {
                "transaction": f"This change would break transaction {broken.id} ({broken.type} on "
                f"{broken.trade_date}): {exc.message}"
            }
        ) from exc

    affected = set(instruments) if symbols is None else set(symbols)
    lot_filter = TaxLot.objects.filter(portfolio=portfolio)
    if symbols is not None:
        lot_filter = lot_filter.filter(instrument__symbol__in=affected)
    lot_filter.delete()  # realizations go with their lots
    new_lots = []
    for symbol in affected & set(instruments):
        for lot in result.lots.get(symbol, []):
            new_lots.append(
                TaxLot(
                    portfolio=portfolio,
                    instrument_id=instruments[symbol],
                    opened_by_id=lot.id,
                    opened_on=lot.opened_on,
                    quantity=lot.quantity,
                    remaining=lot.remaining,
                    cost=lot.cost,
                    original_cost=lot.original_cost,
                )
            )
    created = {lot.opened_by_id: lot for lot in TaxLot.objects.bulk_create(new_lots)}
    Realization.objects.bulk_create(
        Realization(
            sale_id=c.sale_id,
            lot=created[c.lot_id],
            quantity=c.quantity,
            cost=c.cost,
            proceeds=c.proceeds,
            realized_pnl=c.realized_pnl,
        )
        for c in result.consumptions
        if c.symbol in affected
    )
    holdings = Holding.objects.filter(portfolio=portfolio)
    if symbols is not None:
        holdings = holdings.filter(instrument__symbol__in=affected)
    holdings.delete()
    Holding.objects.bulk_create(
        Holding(
            portfolio=portfolio,
            instrument_id=instruments[symbol],
            quantity=result.position(symbol),
            cost=result.cost_basis(symbol),
        )
        for symbol in sorted(affected)
        if symbol in instruments and result.position(symbol) > 0
    )
    Portfolio.objects.filter(pk=portfolio.pk).update(cash=result.cash, updated_at=timezone.now())
    portfolio.cash = result.cash
    return result


def _lock(portfolio: Portfolio) -> Portfolio:
    return Portfolio.objects.select_for_update().get(pk=portfolio.pk)


@dataclass
class Recorded:
    """A written transaction, loaded with its instrument and the lots its sale consumed inside the
    transaction that wrote it, and the ledger after it. Its answer needs no further query: a
    concurrent write that rebuilds the lots after this commit cannot remove what it shows."""

    transaction: Transaction
    ledger: engine.Ledger


def _loaded(txn: Transaction) -> Transaction:
    return Transaction.objects.select_related("instrument").prefetch_related("realizations__lot").get(pk=txn.pk)


@transaction.atomic
def record_transaction(*, portfolio: Portfolio, actor, data: TransactionInput, source: str = "manual") -> Recorded:
    """Add a transaction; lots, P&L, holdings and cash follow. Locks the portfolio; audited."""
    locked = _lock(portfolio)
    fields = _check(locked, data)
    txn = Transaction.objects.create(portfolio=locked, source=source, **fields)
    symbols = {txn.instrument.symbol} if txn.instrument_id else set()
    result = _rebuild(locked, changed={txn.pk}, symbols=symbols)
    audit(portfolio=locked, actor=actor, action="create", obj=txn, after=transaction_snapshot(txn))
    return Recorded(_loaded(txn), result)


@transaction.atomic
def update_transaction(*, txn: Transaction, actor, data: TransactionInput) -> Recorded:
    """Edit a transaction; everything from its old and new dates on is recomputed. Audited."""
    locked = _lock(txn.portfolio)
    txn = Transaction.objects.select_related("instrument").get(pk=txn.pk)
    if txn.source == "paper":
        raise ValidationError({"transaction": "A paper-trading fill cannot be edited; it belongs to its order."})
    before = transaction_snapshot(txn)
    old_symbol = txn.instrument.symbol if txn.instrument_id else None
    for name, value in _check(locked, data).items():
        setattr(txn, name, value)
    txn.save()
    symbols = {s for s in (old_symbol, txn.instrument.symbol if txn.instrument_id else None) if s}
    result = _rebuild(locked, changed={txn.pk}, symbols=symbols)
    audit(portfolio=locked, actor=actor, action="update", obj=txn, before=before, after=transaction_snapshot(txn))
    return Recorded(_loaded(txn), result)


def input_from_snapshot(snapshot: dict[str, Any]) -> TransactionInput:
    """The input that records again a transaction saved by ``transaction_snapshot`` (undo)."""

    def number(name: str) -> Decimal | None:
        return None if snapshot.get(name) in (None, "") else Decimal(snapshot[name])

    return TransactionInput(
        type=snapshot["type"],
        trade_date=date.fromisoformat(snapshot["trade_date"]),
        symbol=snapshot.get("symbol"),
        quantity=number("quantity"),
        price=number("price"),
        fees=number("fees") or Decimal(0),
        amount=number("amount"),
        ratio=number("ratio"),
        currency=snapshot.get("currency"),
        lots=snapshot.get("lots"),
        note=snapshot.get("note") or "",
    )


@transaction.atomic
def restore_transaction(*, portfolio: Portfolio, actor, snapshot: dict[str, Any]) -> Recorded:
    """Record again a deleted transaction from its snapshot (the undo of a delete). Audited as a
    ``restore``; refused, like any write, when the history it makes could not have happened."""
    source = snapshot.get("source") if snapshot.get("source") in ("manual", "import") else "manual"
    locked = _lock(portfolio)
    fields = _check(locked, input_from_snapshot(snapshot))
    txn = Transaction.objects.create(portfolio=locked, source=source, **fields)
    result = _rebuild(locked, changed={txn.pk}, symbols={txn.instrument.symbol} if txn.instrument_id else set())
    audit(portfolio=locked, actor=actor, action="restore", obj=txn, before=snapshot, after=transaction_snapshot(txn))
    return Recorded(txn, result)


@transaction.atomic
def delete_transaction(*, txn: Transaction, actor) -> dict[str, Any]:
    """Remove a transaction and recompute; refused when a later one would become impossible.
    Returns its snapshot, which ``restore_transaction`` records again (undo)."""
    locked = _lock(txn.portfolio)
    txn = Transaction.objects.select_related("instrument").get(pk=txn.pk)
    before = transaction_snapshot(txn)
    symbol = txn.instrument.symbol if txn.instrument_id else None
    txn.delete()
    _rebuild(locked, changed=set(), symbols={symbol} if symbol else set())
    audit(portfolio=locked, actor=actor, action="delete", obj=Transaction(pk=before["id"]), before=before)
    return before


# --- CSV import -------------------------------------------------------------------------------


def _csv_decimal(value: str, column: str) -> Decimal | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{column}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{column}: {value!r} is not a number")
    return number


def parse_csv(text: str) -> list[tuple[int, TransactionInput]]:
    """Rows of a transactions CSV (columns: ``CSV_COLUMNS``; only date and type are required).
    Every bad line is reported at once."""
    rows, errors = _parse_rows(text)
    if errors:
        raise ValidationError({"file": [message for _, message in errors]})
    if not rows:
        raise ValidationError({"file": "The file has no transactions."})
    return rows


def _parse_rows(text: str) -> tuple[list[tuple[int, TransactionInput]], list[tuple[int, str]]]:
    """The rows that parse, and ``(line, message)`` for every line that does not."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("date", "type") if c not in header]
    if missing:
        raise ValidationError(
            {"file": f"Line 1: the header lacks {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)})."}
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ValidationError(
            {"file": f"Line 1: unknown column(s) {', '.join(unknown)} (known: {', '.join(CSV_COLUMNS)})."}
        )
    reader.fieldnames = header
    rows, errors = [], []
    for row in reader:
        line = reader.line_num
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            raise ValidationError({"file": f"More than {MAX_IMPORT_ROWS:,} rows; split the file."})
        try:
            trade_date = parse_date((row.get("date") or "").strip())
            if trade_date is None:
                raise ValueError(f"date: {row.get('date')!r} is not a YYYY-MM-DD date")
            rows.append(
                (
                    line,
                    TransactionInput(
                        type=(row.get("type") or "").strip().lower(),
                        trade_date=trade_date,
                        symbol=(row.get("symbol") or "").strip() or None,
                        quantity=_csv_decimal(row.get("quantity"), "quantity"),
                        price=_csv_decimal(row.get("price"), "price"),
                        fees=_csv_decimal(row.get("fees"), "fees") or Decimal(0),
                        amount=_csv_decimal(row.get("amount"), "amount"),
                        ratio=_csv_decimal(row.get("ratio"), "ratio"),
                        currency=(row.get("currency") or "").strip() or None,
                        note=(row.get("note") or "").strip()[:500],
                    ),
                )
            )
        except ValueError as exc:
            errors.append((line, f"Line {line}: {exc}."))
    return rows, errors


def _fingerprint(fields: dict[str, Any]) -> str:
    """What makes two transactions the same for duplicate detection: day, type, instrument and
    every amount, numbers compared by value (``10`` and ``10.00`` are equal), the note ignored."""

    def number(value) -> str:
        return "" if value is None else format(Decimal(value).normalize(), "f")

    instrument = fields.get("instrument")
    symbol = fields.get("instrument__symbol") or (instrument.symbol if instrument is not None else "")
    parts = [
        str(fields["trade_date"]),
        fields["type"],
        symbol,
        *(number(fields.get(name)) for name in ("quantity", "price", "fees", "amount", "ratio")),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def content_hash(data: bytes) -> str:
    """The SHA-256 of an uploaded file, which names it while it waits for "import anyway"."""
    return hashlib.sha256(data).hexdigest()


class DuplicateImport(ValidationError):
    """The file repeats transactions already in the ledger; ``lines`` are the repeated lines."""

    def __init__(self, *, lines: list[int], total: int):
        self.lines = lines
        self.total = total
        whole = len(lines) == total
        shown = ", ".join(str(n) for n in lines[:30]) + (" …" if len(lines) > 30 else "")
        message = (
            f"Every row of this file ({total}) is already in the ledger: it looks like a file imported before."
            if whole
            else f"{len(lines)} of {total} rows repeat transactions already in the ledger (lines {shown})."
        )
        super().__init__(
            {"file": f"{message} Nothing was imported; choose “import anyway” to add them again."},
            code="duplicate",
        )


@transaction.atomic
def import_transactions(*, portfolio: Portfolio, actor, data: bytes, allow_duplicates: bool = False) -> int:
    """Import a broker's CSV all-or-nothing: every bad line is reported with its number, and any
    leaves the portfolio as it was. Rows equal to transactions already in the ledger (same day,
    type, instrument and amounts) raise ``DuplicateImport`` unless ``allow_duplicates``.
    Returns the number of transactions added."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": f"The file is not UTF-8 text (byte {exc.start})."}) from exc
    rows, errors = _parse_rows(text)
    if not rows and not errors:
        raise ValidationError({"file": "The file has no transactions."})
    locked = _lock(portfolio)
    instruments = market.known_symbols([r.symbol for _, r in rows if r.symbol])
    created, line_of, checked = [], {}, []
    for line, row in rows:
        try:
            fields = _check(locked, row, instruments)
        except ValidationError as exc:
            errors.extend((line, f"Line {line}: {field}: {' '.join(msgs)}") for field, msgs in exc.message_dict.items())
            continue
        checked.append((line, fields))
    if errors:
        raise ValidationError({"file": [message for _, message in sorted(errors, key=lambda e: e[0])]})
    if not allow_duplicates:
        existing = {
            _fingerprint(values)
            for values in Transaction.objects.filter(portfolio=locked).values(
                "trade_date", "type", "instrument__symbol", "quantity", "price", "fees", "amount", "ratio"
            )
        }
        repeated = [line for line, fields in checked if _fingerprint(fields) in existing]
        if repeated:
            raise DuplicateImport(lines=repeated, total=len(checked))
    created = [Transaction(portfolio=locked, source="import", **fields) for _, fields in checked]
    created = Transaction.objects.bulk_create(created)
    for (line, _), txn in zip(checked, created, strict=True):
        line_of[txn.pk] = line
    try:
        _rebuild(locked, changed=set(line_of))
    except ValidationError as exc:
        cause = exc.__cause__
        if isinstance(cause, engine.LedgerError) and cause.transaction_id in line_of:
            raise ValidationError(
                {"file": f"Line {line_of[cause.transaction_id]}: {cause.field}: {cause.message}"}
            ) from cause
        raise
    audit(
        portfolio=locked,
        actor=actor,
        action="import",
        obj=locked,
        after={"transactions": len(created), "sha256": content_hash(data), "duplicates_allowed": allow_duplicates},
    )
    return len(created)


# --- rebalancing targets ----------------------------------------------------------------------


@transaction.atomic
def set_targets(*, portfolio: Portfolio, actor, targets: dict[str, Decimal]) -> list[TargetWeight]:
    """Replace the portfolio's target weights (each 0–1, summing to at most 1). Audited."""
    locked = _lock(portfolio)
    errors = {}
    instruments = market.known_symbols(list(targets))
    unknown = [s for s in targets if s.strip().upper() not in instruments]
    if unknown:
        errors["targets"] = f"Unknown symbol(s): {', '.join(unknown)}."
    elif any(w < 0 or w > 1 for w in targets.values()):
        errors["targets"] = "Each weight must be between 0 and 1."
    elif sum(targets.values(), Decimal(0)) > 1:
        errors["targets"] = f"The weights add up to {sum(targets.values())}; at most 1 (the rest is cash)."
    if errors:
        raise ValidationError(errors)
    before = {t.instrument.symbol: str(t.weight) for t in locked.targets.select_related("instrument")}
    locked.targets.all().delete()
    rows = TargetWeight.objects.bulk_create(
        TargetWeight(portfolio=locked, instrument=instruments[s.strip().upper()], weight=w) for s, w in targets.items()
    )
    audit(
        portfolio=locked,
        actor=actor,
        action="set_targets",
        obj=locked,
        before=before,
        after={s.upper(): str(w) for s, w in targets.items()},
    )
    return rows
