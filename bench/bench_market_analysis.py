"""Full analysis (every indicator, signals, trend, risk) for 500 symbols × 10 years of daily bars:
our engine against the same indicators written directly with numpy/pandas, same data, same run.

The 500 series are built from the real GOOG daily returns bundled with `backtesting`, reshuffled in
20-day blocks per symbol (a block bootstrap): realistic paths for timing, not prices of anything."""

import time

import numpy as np
import pandas as pd
from _harness import setup_django

SYMBOLS = 500
BARS = 2520


def series(rng, returns: np.ndarray, index) -> pd.DataFrame:
    blocks = [returns[s : s + 20] for s in rng.integers(0, len(returns) - 20, BARS // 20 + 1)]
    r = np.concatenate(blocks)[:BARS]
    close = 100 * np.cumprod(1 + r)
    spread = np.abs(rng.normal(0, 0.01, BARS))
    return pd.DataFrame(
        {
            "open": close * (1 - r / 2),
            "high": close * (1 + spread),
            "low": close * (1 - spread),
            "close": close,
            "volume": rng.integers(1_000_000, 5_000_000, BARS).astype(float),
        },
        index=index,
    )


def baseline(df: pd.DataFrame) -> dict:
    """The same indicators with pandas directly (no `ta`), plus the same risk measures."""
    close, high, low, volume = df["close"], df["high"], df["low"], df["volume"]
    out = {}
    for n in (20, 50, 200):
        out[f"sma_{n}"] = close.rolling(n).mean()
        out[f"ema_{n}"] = close.ewm(span=n, adjust=False).mean()
    delta = close.diff()
    gain = delta.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
    loss = (-delta.clip(upper=0)).ewm(alpha=1 / 14, adjust=False).mean()
    out["rsi"] = 100 - 100 / (1 + gain / loss)
    macd = close.ewm(span=12, adjust=False).mean() - close.ewm(span=26, adjust=False).mean()
    out["macd"], out["signal"] = macd, macd.ewm(span=9, adjust=False).mean()
    mid, std = close.rolling(20).mean(), close.rolling(20).std(ddof=0)
    out["bb_u"], out["bb_l"] = mid + 2 * std, mid - 2 * std
    tr = pd.concat([high - low, (high - close.shift()).abs(), (low - close.shift()).abs()], axis=1).max(axis=1)
    out["atr"] = tr.ewm(alpha=1 / 14, adjust=False).mean()
    lowest, highest = low.rolling(14).min(), high.rolling(14).max()
    out["stoch_k"] = 100 * (close - lowest) / (highest - lowest)
    up, down = high.diff(), -low.diff()
    plus = pd.Series(np.where((up > down) & (up > 0), up, 0.0), index=df.index).ewm(alpha=1 / 14, adjust=False).mean()
    minus = (
        pd.Series(np.where((down > up) & (down > 0), down, 0.0), index=df.index).ewm(alpha=1 / 14, adjust=False).mean()
    )
    dx = 100 * (plus - minus).abs() / (plus + minus)
    out["adx"] = dx.ewm(alpha=1 / 14, adjust=False).mean()
    out["obv"] = (np.sign(close.diff()).fillna(0) * volume).cumsum()
    returns = close.pct_change().dropna()
    out["risk"] = (returns.std() * np.sqrt(252), -np.percentile(returns, 5), -(close / close.cummax() - 1).min())
    return out


def main() -> None:
    setup_django  # noqa: B018 - the import puts the project on sys.path
    import django

    django.setup()
    from apps.market import datasets
    from apps.market.engine import indicators, risk, signals

    goog = pd.read_csv(datasets.BUNDLED[0].path, index_col=0)
    returns = goog["Close"].pct_change().dropna().to_numpy()
    index = pd.date_range("2014-01-01", periods=BARS, freq="B", tz="UTC")
    rng = np.random.default_rng(42)
    frames = [series(rng, returns, index) for _ in range(SYMBOLS)]
    print(f"{SYMBOLS} symbols x {BARS} daily bars")

    started = time.perf_counter()
    for df in frames:
        baseline(df)
    base = time.perf_counter() - started

    started = time.perf_counter()
    for df in frames:
        ind = indicators.compute(df)
        signals.detect(df, ind)
        risk.measure(df["close"])
    ours = time.perf_counter() - started
    print(f"  direct numpy/pandas (baseline)            {base:6.2f} s  ({SYMBOLS / base:6.1f} symbols/s)")
    print(f"  our engine (TA-Lib indicators, signals, risk){ours:6.2f} s  ({SYMBOLS / ours:6.1f} symbols/s)")
    print(f"  ratio ours / baseline time: {ours / base:.2f}x")


if __name__ == "__main__":
    main()
