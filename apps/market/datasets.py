"""Real price histories that ship inside installed packages, for a fresh install with no provider.

The `backtesting` package bundles three real series (read as files; the package is not imported):
NASDAQ:GOOG daily 2004-08-19 → 2013-03-01, EUR/USD hourly 2017-04-19 → 2018-02-07 and BTC/USD
monthly 2012 → 2024. No prices are made up.
"""

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path


@dataclass(frozen=True)
class Dataset:
    symbol: str
    name: str
    exchange: str
    currency: str
    asset_type: str
    sector: str
    interval: str
    filename: str

    @property
    def path(self) -> Path:
        return Path(find_spec("backtesting").origin).parent / "test" / self.filename

    @property
    def source(self) -> str:
        return f"backtesting package sample data ({self.filename})"


BUNDLED = (
    Dataset(
        "GOOG", "Alphabet Inc. (Google), class C", "NASDAQ", "USD", "stock", "Communication Services", "1d", "GOOG.csv"
    ),
    Dataset("EURUSD", "Euro / US dollar", "FX", "USD", "fx", "", "1h", "EURUSD.csv"),
    Dataset("BTCUSD", "Bitcoin / US dollar", "Crypto", "USD", "crypto", "", "1mo", "BTCUSD.csv"),
)
