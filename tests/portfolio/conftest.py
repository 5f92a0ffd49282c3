from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from apps.market import services as market_services
from apps.market.models import Bar, Instrument, Quote
from apps.portfolio import services


def make_instrument(
    symbol: str, closes: list, *, start: date = date(2024, 1, 1), currency="USD", **fields
) -> Instrument:
    """An instrument with one daily bar per business day from ``start`` (test data, not market data)."""
    instrument = Instrument.objects.create(
        symbol=symbol, name=fields.pop("name", f"{symbol} Test Corp"), currency=currency, data_source="test", **fields
    )
    days = pd.bdate_range(start, periods=len(closes))
    Bar.objects.bulk_create(
        Bar(
            instrument=instrument,
            interval="1d",
            time=datetime(d.year, d.month, d.day, tzinfo=UTC),
            open=Decimal(str(c)),
            high=Decimal(str(c)),
            low=Decimal(str(c)),
            close=Decimal(str(c)),
            volume=1000,
        )
        for d, c in zip(days, closes, strict=True)
    )
    if closes:
        market_services.refresh_quote_from_bars(instrument=instrument)
    return instrument


def set_price(instrument: Instrument, price, source="simulated") -> None:
    Quote.objects.update_or_create(
        instrument=instrument,
        defaults={"price": Decimal(str(price)), "time": datetime.now(UTC), "source": source},
    )


@pytest.fixture
def acme(db):
    return make_instrument("ACME", [100 + i for i in range(60)], sector="Industrials")


@pytest.fixture
def portfolio(user):
    return services.create_portfolio(owner=user, name="Main")


def txn(kind, day, symbol=None, **kw):
    values = {k: Decimal(str(v)) if isinstance(v, int | float | str) and k != "note" else v for k, v in kw.items()}
    return services.TransactionInput(type=kind, trade_date=day, symbol=symbol, **values)


def fund(portfolio, user, amount="100000", day=date(2024, 1, 1)):
    return services.record_transaction(portfolio=portfolio, actor=user, data=txn("deposit", day, amount=amount))


YESTERDAY = date.today() - timedelta(days=1)
