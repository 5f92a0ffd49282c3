"""Demo data: a portfolio of the bundled real GOOG and BTC/USD history, traded at real closes and
compared with the bundled S&P 500."""

from datetime import date, timedelta
from decimal import Decimal

from apps.market import selectors as market

from . import selectors, services

NAME = "Demo: long-term investor"

# (type, date, symbol, quantity) — each trade at a real price known that day from the bundled data
# (GOOG's close; BTC/USD's monthly bar's open).
TRADES = [
    ("buy", date(2005, 1, 3), "GOOG", Decimal(100)),
    ("buy", date(2008, 11, 21), "GOOG", Decimal(50)),
    ("sell", date(2010, 1, 4), "GOOG", Decimal(60)),
    ("buy", date(2013, 1, 1), "BTCUSD", Decimal(20)),
]


def _price_on(symbol: str, day: date) -> Decimal | None:
    """A price known on ``day``: a daily bar's close that day; for a coarser bar starting that day
    (BTC/USD's monthly bars), its open — its close is only known at the end of the month."""
    instrument = market.instrument(symbol=symbol)
    interval = market.native_interval(instrument)
    rows = market.bars(
        instrument=instrument,
        interval=interval or "1d",
        start=selectors.day_start(day),
        end=selectors.day_start(day + timedelta(days=1)),
    )
    if not rows or rows[0]["time"] >= selectors.day_start(day + timedelta(days=1)):
        return None
    return rows[0]["close"] if interval == "1d" else rows[0]["open"]


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
        price = _price_on(symbol, day)
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
                note="Demo trade at a real price of that day",
            ),
        )
    services.set_targets(portfolio=portfolio, actor=user, targets={"GOOG": Decimal("0.6"), "BTCUSD": Decimal("0.2")})
    return {}
