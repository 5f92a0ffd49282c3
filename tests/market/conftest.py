import pytest

from apps.market import datasets, services
from apps.market.models import Instrument


def bundled(symbol: str) -> Instrument:
    dataset = next(d for d in datasets.BUNDLED if d.symbol == symbol)
    instrument = Instrument.objects.create(
        symbol=dataset.symbol,
        name=dataset.name,
        exchange=dataset.exchange,
        currency=dataset.currency,
        asset_type=dataset.asset_type,
        data_source=dataset.source,
    )
    services.import_bars_file(
        instrument=instrument, interval=dataset.interval, filename=dataset.filename, data=dataset.read()
    )
    return instrument


@pytest.fixture
def goog(db):
    return bundled("GOOG")


@pytest.fixture
def eurusd(db):
    return bundled("EURUSD")


@pytest.fixture(scope="session")
def goog_frame():
    from apps.market.engine import indicators

    dataset = next(d for d in datasets.BUNDLED if d.symbol == "GOOG")
    import pandas as pd

    df = pd.read_csv(dataset.path, index_col=0, parse_dates=True)
    df.columns = [c.lower() for c in df.columns]
    return df, indicators.compute(df)
