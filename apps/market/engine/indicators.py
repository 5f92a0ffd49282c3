"""Technical indicators on an OHLCV frame, computed by TA-Lib (the C library, through its wheel).

Conventions (TA-Lib's own, so the values match it to rounding on the same bars):
- SMA(n): plain mean of the last n closes; empty for the first n-1 rows.
- EMA(n): alpha = 2/(n+1), seeded with the SMA of the first n closes (first value at row n-1).
- RSI(14): Wilder's smoothing of gains and losses, seeded with the mean of the first 14 changes
  (first value at row 14).
- MACD(12, 26, 9): EMA12 − EMA26, signal = EMA9 of that, histogram = difference (first at row 33).
- Bollinger(20, 2): SMA20 ± 2 population standard deviations (ddof = 0).
- ATR(14): Wilder-smoothed true range, seeded with the mean of the first 14 true ranges (the
  first bar has none: first value at row 14).
- ADX(14): Wilder's DI±, DX and ADX (first value at row 27).
- Stochastic (slow, 14, 3, 3): fast %K over 14 rows; ``stoch_k`` is its SMA3 (slow %K) and
  ``stoch_d`` the SMA3 of that (slow %D), as TA-Lib's STOCH. The fast %K is ``stoch_fast_k``.
- OBV: starts at the first bar's volume; a bar whose close is above the previous close adds its
  volume, below subtracts it, equal leaves it unchanged. Cumulative, so its level depends on the
  first bar of the series (the API computes it from the same warm-up as the rest).
- VWAP (intraday only): cumulative typical price × volume / cumulative volume over the frame.

Every EMA-type indicator remembers its seed; computed on enough history before the first point
shown (the warm-up, see ``WARMUP_BARS``), the seed's effect is below 1e-9 of the value.
"""

import numpy as np
import pandas as pd
import talib

COLUMNS = ("open", "high", "low", "close", "volume")
# Bars read before a chart's window so that every indicator is settled at its first point:
# (1 − 2/201)^2,500 ≈ 1.4e-11 for EMA200, the slowest; RSI, ATR and ADX settle far sooner.
WARMUP_BARS = 2500
ALL_SERIES = [
    "sma_20",
    "sma_50",
    "sma_200",
    "ema_20",
    "ema_50",
    "ema_200",
    "rsi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "atr_14",
    "adx_14",
    "stoch_k",
    "stoch_d",
    "stoch_fast_k",
    "obv",
    "vwap",
]
CONVENTION = "TA-Lib 0.8.2 (C library): stochastic is the slow form STOCH(14,3,3); stoch_fast_k is the raw %K"
CHART_SERIES = ["sma_20", "sma_50", "sma_200", "bb_upper", "bb_lower", "rsi_14", "macd", "macd_signal", "macd_hist"]


def frame(rows: list[dict]) -> pd.DataFrame:
    """OHLCV rows (``time`` plus the five columns, numbers or Decimals) as a float frame."""
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS, dtype=float)
    df = df.set_index("time").sort_index()
    return df[list(COLUMNS)].astype(float)


def compute(df: pd.DataFrame, *, intraday: bool = False) -> pd.DataFrame:
    """Every indicator for every row of ``df`` (NaN until its warm-up is over)."""
    close = df["close"].to_numpy(dtype=float)
    high, low = df["high"].to_numpy(dtype=float), df["low"].to_numpy(dtype=float)
    volume = df["volume"].to_numpy(dtype=float)
    columns: dict[str, np.ndarray] = {}
    for n in (20, 50, 200):
        columns[f"sma_{n}"] = talib.SMA(close, timeperiod=n)
        columns[f"ema_{n}"] = talib.EMA(close, timeperiod=n)
    columns["rsi_14"] = talib.RSI(close, timeperiod=14)
    columns["macd"], columns["macd_signal"], columns["macd_hist"] = talib.MACD(
        close, fastperiod=12, slowperiod=26, signalperiod=9
    )
    columns["bb_upper"], columns["bb_middle"], columns["bb_lower"] = talib.BBANDS(
        close, timeperiod=20, nbdevup=2, nbdevdn=2, matype=0
    )
    columns["atr_14"] = talib.ATR(high, low, close, timeperiod=14)
    columns["stoch_k"], columns["stoch_d"] = talib.STOCH(
        high, low, close, fastk_period=14, slowk_period=3, slowk_matype=0, slowd_period=3, slowd_matype=0
    )
    columns["stoch_fast_k"], _ = talib.STOCHF(high, low, close, fastk_period=14, fastd_period=3, fastd_matype=0)
    columns["adx_14"] = talib.ADX(high, low, close, timeperiod=14)
    columns["obv"] = talib.OBV(close, volume)
    if intraday:
        typical = (high + low + close) / 3
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["vwap"] = np.cumsum(typical * volume) / np.cumsum(volume)
    return pd.DataFrame(columns, index=df.index)


def last_values(indicators: pd.DataFrame) -> dict[str, float | None]:
    if indicators.empty:
        return {}
    row = indicators.iloc[-1]
    return {name: (None if pd.isna(value) else round(float(value), 6)) for name, value in row.items()}


def series(indicators: pd.DataFrame, names: list[str], *, since=None) -> dict[str, list[dict]]:
    """Chart-ready series: ``{name: [{"time": …, "value": …}, …]}`` without the warm-up gaps;
    ``since``: leave out the rows before this time (the warm-up read before a window)."""
    if since is not None:
        indicators = indicators[indicators.index >= since]
    result = {}
    for name in names:
        if name in indicators:
            column = indicators[name].dropna()
            result[name] = [{"time": t.isoformat(), "value": float(v)} for t, v in column.items()]
    return result
