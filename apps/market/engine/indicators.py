"""Technical indicators on an OHLCV frame, vectorised with the `ta` package.

Conventions (what `ta` computes, checked against hand-rolled formulas in the tests):
- SMA(n): plain mean of the last n closes; empty for the first n-1 rows.
- EMA(n): alpha = 2/(n+1), seeded with the first close (pandas ``ewm(adjust=False)``), reported once
  n rows exist. TA-Lib seeds with an SMA instead, so early values differ (they converge).
- RSI(14): Wilder's smoothing of gains and losses (alpha = 1/14, ``ewm(adjust=False)``), both
  averages starting at 0 on the first row (TA-Lib seeds with a 14-change SMA, so its first values
  differ by a few points and converge after ~300 rows); reported from row 14.
- MACD(12, 26, 9): EMA12 − EMA26, signal = EMA9 of that, histogram = difference.
- Bollinger(20, 2): SMA20 ± 2 population standard deviations (ddof = 0).
- ATR(14): Wilder-smoothed true range (seeded with the mean of the first 14 ranges; the first
  range is high − low). Stochastic(14, 3): %K over 14 rows, %D = SMA3 of %K.
- ADX(14): Wilder's: +DM/−DM and true range smoothed as above, DI± = 100 × DM/TR,
  DX = 100 × |DI+ − DI−| / (DI+ + DI−), ADX = DX smoothed the same way (first value at row 27).
  ATR and ADX are computed here, vectorised, because `ta` computes them in Python loops (80 of the
  90 ms it needs for ten years of one symbol); ATR equals `ta`'s.
- OBV: cumulative signed volume. VWAP (intraday only): cumulative typical price × volume /
  cumulative volume over the frame.
"""

import numpy as np
import pandas as pd

COLUMNS = ("open", "high", "low", "close", "volume")


def frame(rows: list[dict]) -> pd.DataFrame:
    """OHLCV rows (``time`` plus the five columns, numbers or Decimals) as a float frame."""
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS, dtype=float)
    df = df.set_index("time").sort_index()
    return df[list(COLUMNS)].astype(float)


def wilder(values: pd.Series, n: int) -> pd.Series:
    """Wilder's smoothing (α = 1/n), seeded at the n-th valid value with the mean of the first n."""
    valid = values.dropna()
    if len(valid) < n:
        return pd.Series(np.nan, index=values.index)
    tail = valid.iloc[n - 1 :].copy()
    tail.iloc[0] = valid.iloc[:n].mean()
    return tail.ewm(alpha=1 / n, adjust=False).mean().reindex(values.index)


def true_range(df: pd.DataFrame) -> pd.Series:
    previous = df["close"].shift(1)
    ranges = pd.concat([df["high"] - df["low"], (df["high"] - previous).abs(), (df["low"] - previous).abs()], axis=1)
    return ranges.max(axis=1)


def average_true_range(df: pd.DataFrame, n: int = 14) -> pd.Series:
    return wilder(true_range(df), n)


def average_directional_index(df: pd.DataFrame, n: int = 14) -> pd.Series:
    up, down = df["high"].diff(), -df["low"].diff()
    plus = pd.Series(np.where((up > down) & (up > 0), up, 0.0), index=df.index).where(up.notna())
    minus = pd.Series(np.where((down > up) & (down > 0), down, 0.0), index=df.index).where(down.notna())
    tr = true_range(df).where(up.notna())
    smoothed_tr = wilder(tr, n)
    di_plus, di_minus = 100 * wilder(plus, n) / smoothed_tr, 100 * wilder(minus, n) / smoothed_tr
    dx = 100 * (di_plus - di_minus).abs() / (di_plus + di_minus)
    return wilder(dx.replace([np.inf, -np.inf], np.nan), n)


def compute(df: pd.DataFrame, *, intraday: bool = False) -> pd.DataFrame:
    from ta.momentum import RSIIndicator, StochasticOscillator
    from ta.trend import MACD, EMAIndicator, SMAIndicator
    from ta.volatility import BollingerBands
    from ta.volume import OnBalanceVolumeIndicator, VolumeWeightedAveragePrice

    close, high, low, volume = df["close"], df["high"], df["low"], df["volume"]
    out = pd.DataFrame(index=df.index)
    for n in (20, 50, 200):
        out[f"sma_{n}"] = SMAIndicator(close, window=n).sma_indicator()
        out[f"ema_{n}"] = EMAIndicator(close, window=n).ema_indicator()
    out["rsi_14"] = RSIIndicator(close, window=14).rsi()
    macd = MACD(close, window_slow=26, window_fast=12, window_sign=9)
    out["macd"], out["macd_signal"], out["macd_hist"] = macd.macd(), macd.macd_signal(), macd.macd_diff()
    bands = BollingerBands(close, window=20, window_dev=2)
    out["bb_middle"], out["bb_upper"], out["bb_lower"] = (
        bands.bollinger_mavg(),
        bands.bollinger_hband(),
        bands.bollinger_lband(),
    )
    out["atr_14"] = average_true_range(df, 14)
    stoch = StochasticOscillator(high, low, close, window=14, smooth_window=3)
    out["stoch_k"], out["stoch_d"] = stoch.stoch(), stoch.stoch_signal()
    out["adx_14"] = average_directional_index(df, 14)
    out["obv"] = OnBalanceVolumeIndicator(close, volume).on_balance_volume()
    if intraday:
        out["vwap"] = VolumeWeightedAveragePrice(
            high, low, close, volume, window=len(df)
        ).volume_weighted_average_price()
    # Before the warm-up is over an indicator has no value (not a zero).
    for n in (20, 50, 200):
        out.loc[out.index[: n - 1], f"ema_{n}"] = np.nan
    return out


def last_values(indicators: pd.DataFrame) -> dict[str, float | None]:
    if indicators.empty:
        return {}
    row = indicators.iloc[-1]
    return {name: (None if pd.isna(value) else round(float(value), 6)) for name, value in row.items()}


def series(indicators: pd.DataFrame, names: list[str]) -> dict[str, list[dict]]:
    """Chart-ready series: ``{name: [{"time": …, "value": …}, …]}`` without the warm-up gaps."""
    result = {}
    for name in names:
        if name in indicators:
            column = indicators[name].dropna()
            result[name] = [{"time": t.isoformat(), "value": round(float(v), 6)} for t, v in column.items()]
    return result
