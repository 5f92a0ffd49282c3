"""Real price histories that ship inside installed packages, for a fresh install with no provider.

- The `backtesting` package bundles three real series (read as files; the package is not
  imported): NASDAQ:GOOG daily 2004-08-19 → 2013-03-01, EUR/USD hourly 2017-04-19 → 2018-02-07
  and BTC/USD monthly 2012 → 2024.
- The `arch` package bundles two real market indices (daily OHLCV from Yahoo Finance, 1999-01-04
  → 2018-12-31): the S&P 500 and the NASDAQ Composite. They are the benchmarks for beta and
  correlation and for portfolio comparisons.

No prices are made up.
"""

import gzip
import io
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Dataset:
    symbol: str
    name: str
    exchange: str
    currency: str
    asset_type: str
    sector: str
    interval: str
    package: str
    relative_path: str

    @property
    def path(self) -> Path:
        return Path(find_spec(self.package).origin).parent / self.relative_path

    @property
    def filename(self) -> str:
        """The name ``import_bars_file`` sees (it picks the parser by extension)."""
        return Path(self.relative_path).name.removesuffix(".gz")

    @property
    def source(self) -> str:
        return f"{self.package} package sample data ({Path(self.relative_path).name})"

    def read(self) -> bytes:
        """The file as ``import_bars_file`` takes it: a CSV with date/time, OHLC and volume."""
        raw = self.path.read_bytes()
        if not self.relative_path.endswith(".gz"):
            return raw
        # arch's files: "Date" as m/d/Y, "Adj Close" (equal to Close for an index) left out.
        frame = pd.read_csv(io.BytesIO(gzip.decompress(raw)))
        frame["date"] = pd.to_datetime(frame["Date"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")
        frame = frame.rename(columns=str.lower)[["date", "open", "high", "low", "close", "volume"]]
        return frame.to_csv(index=False).encode()


BUNDLED = (
    Dataset(
        "GOOG",
        "Alphabet Inc. (Google), class C",
        "NASDAQ",
        "USD",
        "stock",
        "Communication Services",
        "1d",
        "backtesting",
        "test/GOOG.csv",
    ),
    Dataset("EURUSD", "Euro / US dollar", "FX", "USD", "fx", "", "1h", "backtesting", "test/EURUSD.csv"),
    Dataset("BTCUSD", "Bitcoin / US dollar", "Crypto", "USD", "crypto", "", "1mo", "backtesting", "test/BTCUSD.csv"),
    Dataset("SPX", "S&P 500 index", "INDEX", "USD", "index", "", "1d", "arch", "data/sp500/sp500.csv.gz"),
    Dataset("IXIC", "NASDAQ Composite index", "INDEX", "USD", "index", "", "1d", "arch", "data/nasdaq/nasdaq.csv.gz"),
)
