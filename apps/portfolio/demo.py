"""Demo data: a portfolio of the bundled real GOOG and BTC/USD history, traded at real closes and
compared with the bundled S&P 500."""

from datetime import date
from decimal import Decimal

from apps.market import selectors as market

from . import selectors, services

NAME = "Demo: long-term investor"

# (type, date, symbol, quantity) — each trade at that day's real close from the bundled data.
TRADES = [
    ("buy", date(2005, 1, 3), "GOOG", Decimal(100)),
    ("buy", date(2008, 11, 21), "GOOG", Decimal(50)),
    ("sell", date(2010, 1, 4), "GOOG", Decimal(60)),
    ("buy", date(2013, 1, 1), "BTCUSD", Decimal(20)),
]


def _close_on(symbol: str, day: date) -> Decimal | None:
    instrument = market.instrument(symbol=symbol)
    rows = market.close_history(instrument=instrument, start=selectors.day_start(day))
    return rows[0][1] if rows else None


def seed(context: dict) -> dict:
    user = context["user"]
    if selectors.portfolios_of(user=user).filter(name=NAME).exists():
        return {}
    portfolio = services.create_portfolio(owner=user, name=NAME, benchmark="SPX")
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(type="deposit", trade_date=date(2005, 1, 3), amount=Decimal(100_000)),
    )
    for kind, day, symbol, quantity in TRADES:
        price = _close_on(symbol, day)
        if price is None:
            continue
        services.record_transaction(
            portfolio=portfolio,
            actor=user,
            data=services.TransactionInput(
                type=kind,
                trade_date=day,
                symbol=symbol,
                quantity=quantity,
                price=price,
                fees=Decimal("4.95"),
                note="Demo trade at the day's real close",
            ),
        )
    services.set_targets(portfolio=portfolio, actor=user, targets={"GOOG": Decimal("0.6"), "BTCUSD": Decimal("0.2")})
    return {}
