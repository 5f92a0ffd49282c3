"""Indicators against hand-rolled reference formulas on the bundled real GOOG data (warm-up rows
included), signals on constructed series, risk against closed-form cases."""

import math

import numpy as np
import pandas as pd
import pytest

from apps.market.engine import indicators, resample, risk, signals, simulate


def test_sma_and_its_warm_up(goog_frame):
    df, ind = goog_frame
    assert ind["sma_20"].iloc[:19].isna().all()
    assert ind["sma_20"].iloc[19] == pytest.approx(df["close"].iloc[:20].mean())
    assert ind["sma_200"].iloc[199] == pytest.approx(df["close"].iloc[:200].mean())
    assert ind["sma_50"].iloc[-1] == pytest.approx(df["close"].iloc[-50:].mean())


def test_ema_is_seeded_with_the_first_close(goog_frame):
    df, ind = goog_frame
    alpha, ema = 2 / 21, df["close"].iloc[0]
    for price in df["close"].iloc[1:40]:
        ema = alpha * price + (1 - alpha) * ema
    assert ind["ema_20"].iloc[:19].isna().all()
    assert ind["ema_20"].iloc[39] == pytest.approx(ema, rel=1e-9)


def test_rsi_uses_wilder_smoothing(goog_frame):
    df, ind = goog_frame
    # `ta` starts both averages at 0 on the first row (no change yet), then smooths with alpha 1/14.
    delta = df["close"].diff().iloc[1:]
    gain = loss = 0.0
    for d in delta.iloc[:60]:
        gain = (gain * 13 + max(d, 0)) / 14
        loss = (loss * 13 + max(-d, 0)) / 14
    assert ind["rsi_14"].iloc[:13].isna().all()
    assert ind["rsi_14"].iloc[60] == pytest.approx(100 - 100 / (1 + gain / loss), rel=1e-9)


def test_bollinger_uses_population_std(goog_frame):
    df, ind = goog_frame
    window = df["close"].iloc[100:120]
    assert ind["bb_upper"].iloc[119] == pytest.approx(window.mean() + 2 * window.std(ddof=0))
    assert ind["bb_lower"].iloc[119] == pytest.approx(window.mean() - 2 * window.std(ddof=0))


def test_macd_is_ema12_minus_ema26(goog_frame):
    df, ind = goog_frame
    ema12 = df["close"].ewm(span=12, adjust=False).mean()
    ema26 = df["close"].ewm(span=26, adjust=False).mean()
    assert ind["macd"].iloc[300] == pytest.approx(ema12.iloc[300] - ema26.iloc[300])
    assert ind["macd_hist"].iloc[300] == pytest.approx(ind["macd"].iloc[300] - ind["macd_signal"].iloc[300])


def test_obv_and_vwap():
    df = pd.DataFrame(
        {
            "open": [10, 11, 10, 12],
            "high": [11, 12, 11, 13],
            "low": [9, 10, 9, 11],
            "close": [10, 11, 10, 12],
            "volume": [100, 200, 300, 400],
        },
        index=pd.date_range("2024-01-01 09:00", periods=4, freq="h", tz="UTC"),
    ).astype(float)
    ind = indicators.compute(df, intraday=True)
    assert list(ind["obv"]) == [100, 300, 0, 400]  # ta starts from the first volume
    typical = (df["high"] + df["low"] + df["close"]) / 3
    assert ind["vwap"].iloc[-1] == pytest.approx((typical * df["volume"]).sum() / df["volume"].sum())


def series(values):
    closes = pd.Series(values, dtype=float, index=pd.date_range("2020-01-01", periods=len(values), freq="D", tz="UTC"))
    return pd.DataFrame(
        {"open": closes, "high": closes * 1.01, "low": closes * 0.99, "close": closes, "volume": 1000.0}
    )


def test_signals_on_a_steady_rise():
    df = series(np.linspace(100, 200, 260))
    result = signals.detect(df, indicators.compute(df))
    assert result["trend"] == "up"
    assert {s["name"] for s in result["signals"]} >= {"rsi_overbought"}
    assert all(s["reason"] for s in result["signals"])
    assert 0 <= result["confidence"] <= 1


def test_signals_on_a_crash_and_a_volume_spike():
    df = series(np.r_[np.full(240, 100.0), np.linspace(100, 60, 20)])
    df.iloc[-1, df.columns.get_loc("volume")] = 10_000
    result = signals.detect(df, indicators.compute(df))
    names = {s["name"] for s in result["signals"]}
    assert {"rsi_oversold", "volume_spike", "lower_band_break"} <= names or {"rsi_oversold", "volume_spike"} <= names
    assert result["trend"] == "down"


def test_golden_cross_is_found():
    values = np.r_[np.linspace(200, 100, 200), np.linspace(100, 260, 80)]
    df = series(values)
    ind = indicators.compute(df)
    spread = (ind["sma_50"] - ind["sma_200"]).dropna()
    cross = int(np.argmax(spread.to_numpy() > 0))
    position = df.index.get_loc(spread.index[cross])
    window = df.iloc[: position + 2]
    result = signals.detect(window, indicators.compute(window))
    assert "golden_cross" in {s["name"] for s in result["signals"]}


def test_risk_closed_forms():
    flat = pd.Series([100.0] * 30)
    assert risk.measure(flat)["volatility"] == 0
    alternating = pd.Series([100.0, 110.0] * 50)
    r = alternating.pct_change().dropna()
    result = risk.measure(alternating)
    assert result["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(252), rel=1e-5)
    assert result["var_95_parametric"] == pytest.approx(-(r.mean() - 1.6448536269514722 * r.std(ddof=1)), rel=1e-5)
    assert result["max_drawdown"] == pytest.approx(1 - 100 / 110, rel=1e-5)
    assert result["var_95_historical"] == pytest.approx(1 - 100 / 110, rel=1e-5)


def test_beta_of_a_scaled_copy():
    rng = np.random.default_rng(1)
    bench = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 300)))
    twice = pd.Series(100 * np.cumprod(1 + 2 * bench.pct_change().fillna(0)))
    result = risk.measure(twice, benchmark=bench)
    assert result["beta"] == pytest.approx(2.0, rel=1e-6)
    assert result["correlation"] == pytest.approx(1.0, rel=1e-9)


def test_downsample_keeps_the_range():
    rows = [{"time": i, "open": i, "high": i + 1, "low": i - 1, "close": i + 0.5, "volume": 1} for i in range(1000)]
    merged = resample.downsample(rows, max_points=100)
    assert len(merged) == 100
    assert merged[0]["open"] == 0 and merged[-1]["close"] == 999.5
    assert max(m["high"] for m in merged) == 1000 and min(m["low"] for m in merged) == -1
    assert sum(m["volume"] for m in merged) == 1000


def test_simulated_walk_has_the_asked_volatility():
    import random

    rng = random.Random(3)
    sigma = simulate.daily_volatility_to_tick_sigma(0.3, 60)
    prices = [100.0]
    for _ in range(20000):
        prices.append(simulate.next_price(prices[-1], sigma=sigma, rng=rng))
    log_returns = np.diff(np.log(prices))
    assert np.std(log_returns) == pytest.approx(sigma, rel=0.05)


def test_atr_equals_ta_and_adx_follows_wilder(goog_frame):
    from ta.volatility import AverageTrueRange

    df, ind = goog_frame
    reference = AverageTrueRange(df["high"], df["low"], df["close"], window=14).average_true_range()
    assert ind["atr_14"].iloc[13:].to_numpy() == pytest.approx(reference.iloc[13:].to_numpy(), rel=1e-9)
    assert ind["atr_14"].iloc[:13].isna().all()

    # ADX by an explicit loop over Wilder's recurrences.
    high, low, close = df["high"].to_numpy(), df["low"].to_numpy(), df["close"].to_numpy()
    tr, plus, minus = [], [], []
    for i in range(1, 200):
        up, down = high[i] - high[i - 1], low[i - 1] - low[i]
        plus.append(up if up > down and up > 0 else 0.0)
        minus.append(down if down > up and down > 0 else 0.0)
        tr.append(max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])))

    def smooth(values):
        out, current = [], sum(values[:14]) / 14
        out.append(current)
        for v in values[14:]:
            current = current + (v - current) / 14
            out.append(current)
        return out

    s_tr, s_plus, s_minus = smooth(tr), smooth(plus), smooth(minus)
    dx = [
        100 * abs(p - m) / (p + m)
        for p, m in zip(
            (100 * a / t for a, t in zip(s_plus, s_tr, strict=True)),
            (100 * b / t for b, t in zip(s_minus, s_tr, strict=True)),
            strict=True,
        )
    ]
    adx = smooth(dx)
    assert ind["adx_14"].iloc[:27].isna().all()
    assert ind["adx_14"].iloc[27] == pytest.approx(adx[0], rel=1e-9)
    assert ind["adx_14"].iloc[199] == pytest.approx(adx[-1], rel=1e-9)
