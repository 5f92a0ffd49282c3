"""Writes of the portfolio app: atomic, keyword-only functions named for what they do."""

from .jobs import start_backtest, start_optimisation
from .ledger import (
    CSV_COLUMNS,
    DuplicateImport,
    Recorded,
    TransactionInput,
    content_hash,
    create_portfolio,
    delete_portfolio,
    delete_transaction,
    import_transactions,
    record_transaction,
    restore_transaction,
    set_targets,
    update_portfolio,
    update_transaction,
)
from .trading import OrderInput, cancel_order, expire_day_orders, match_orders, on_ticks, place_order

__all__ = [
    "CSV_COLUMNS",
    "DuplicateImport",
    "OrderInput",
    "Recorded",
    "TransactionInput",
    "cancel_order",
    "content_hash",
    "create_portfolio",
    "delete_portfolio",
    "delete_transaction",
    "expire_day_orders",
    "import_transactions",
    "match_orders",
    "on_ticks",
    "place_order",
    "record_transaction",
    "restore_transaction",
    "set_targets",
    "start_backtest",
    "start_optimisation",
    "update_portfolio",
    "update_transaction",
]
