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


def test_ema_is_seeded_with_the_sma_of_the_first_n_closes(goog_frame):
    df, ind = goog_frame
    alpha, ema = 2 / 21, df["close"].iloc[:20].mean()
    for price in df["close"].iloc[20:40]:
        ema = alpha * price + (1 - alpha) * ema
    assert ind["ema_20"].iloc[:19].isna().all()
    assert ind["ema_20"].iloc[19] == pytest.approx(df["close"].iloc[:20].mean(), rel=1e-12)
    assert ind["ema_20"].iloc[39] == pytest.approx(ema, rel=1e-12)


def test_rsi_uses_wilder_smoothing_seeded_with_the_mean_of_14_changes(goog_frame):
    df, ind = goog_frame
    delta = df["close"].diff().iloc[1:].to_numpy()
    gain, loss = np.clip(delta[:14], 0, None).mean(), np.clip(-delta[:14], 0, None).mean()
    for d in delta[14:60]:
        gain = (gain * 13 + max(d, 0)) / 14
        loss = (loss * 13 + max(-d, 0)) / 14
    assert ind["rsi_14"].iloc[:14].isna().all()
    assert ind["rsi_14"].iloc[60] == pytest.approx(100 - 100 / (1 + gain / loss), rel=1e-9)


def test_bollinger_uses_population_std(goog_frame):
    df, ind = goog_frame
    window = df["close"].iloc[100:120]
    assert ind["bb_upper"].iloc[119] == pytest.approx(window.mean() + 2 * window.std(ddof=0))
    assert ind["bb_lower"].iloc[119] == pytest.approx(window.mean() - 2 * window.std(ddof=0))


def test_macd_is_ema12_minus_ema26_after_the_warm_up(goog_frame):
    df, ind = goog_frame
    # Far from the seed, any EMA seeding gives the same value.
    ema12 = df["close"].ewm(span=12, adjust=False).mean()
    ema26 = df["close"].ewm(span=26, adjust=False).mean()
    assert ind["macd"].iloc[:33].isna().all() and not np.isnan(ind["macd"].iloc[33])
    assert ind["macd"].iloc[1500] == pytest.approx(ema12.iloc[1500] - ema26.iloc[1500], rel=1e-9)
    assert ind["macd_hist"].iloc[300] == pytest.approx(ind["macd"].iloc[300] - ind["macd_signal"].iloc[300])


def test_slow_stochastic_is_sma3_of_fast_k_and_d_sma3_of_that(goog_frame):
    df, ind = goog_frame
    lowest, highest = df["low"].rolling(14).min(), df["high"].rolling(14).max()
    fast_k = 100 * (df["close"] - lowest) / (highest - lowest)
    slow_k = fast_k.rolling(3).mean()
    slow_d = slow_k.rolling(3).mean()
    assert ind["stoch_k"].iloc[:17].isna().all()
    assert ind["stoch_k"].iloc[17:].to_numpy() == pytest.approx(slow_k.iloc[17:].to_numpy(), rel=1e-9)
    assert ind["stoch_d"].iloc[17:].to_numpy() == pytest.approx(slow_d.iloc[17:].to_numpy(), rel=1e-9, nan_ok=True)
    assert ind["stoch_fast_k"].iloc[15:].to_numpy() == pytest.approx(fast_k.iloc[15:].to_numpy(), rel=1e-9)


def test_obv_and_vwap():
    df = pd.DataFrame(
        {
            "open": [10, 11, 10, 12, 12],
            "high": [11, 12, 11, 13, 13],
            "low": [9, 10, 9, 11, 11],
            "close": [10, 11, 10, 12, 12],
            "volume": [100, 200, 300, 400, 500],
        },
        index=pd.date_range("2024-01-01 09:00", periods=5, freq="h", tz="UTC"),
    ).astype(float)
    ind = indicators.compute(df, intraday=True)
    # Starts at the first volume; an unchanged close leaves it unchanged.
    assert list(ind["obv"]) == [100, 300, 0, 400, 400]
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
    days = pd.date_range("2020-01-01", periods=100, freq="B")
    flat = pd.Series([100.0] * 30, index=days[:30])
    assert risk.measure(flat)["volatility"] == 0
    alternating = pd.Series([100.0, 110.0] * 50, index=days)
    r = alternating.pct_change().dropna()
    result = risk.measure(alternating)
    assert result["periods_per_year"] == 252 and result["horizon"] == "1 day"
    assert result["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(252), rel=1e-5)
    assert result["var_95_parametric"] == pytest.approx(-(r.mean() - 1.6448536269514722 * r.std(ddof=1)), rel=1e-5)
    assert result["max_drawdown"] == pytest.approx(1 - 100 / 110, rel=1e-5)
    assert result["var_95_historical"] == pytest.approx(1 - 100 / 110, rel=1e-5)


@pytest.mark.parametrize(
    ("freq", "count", "asset_type", "periods", "horizon"),
    [
        ("B", 300, "stock", 252, "1 day"),
        ("B", 300, "index", 252, "1 day"),
        ("D", 300, "crypto", 365, "1 day"),
        ("B", 300, "fx", 260, "1 day"),
        ("h", 2000, "fx", 6240, "1 hour"),
        ("h", 2000, "crypto", 8760, "1 hour"),
        ("W-MON", 200, "stock", 52, "1 week"),
        ("MS", 120, "crypto", 12, "1 month"),
        ("MS", 120, "stock", 12, "1 month"),
        ("QS", 40, "stock", 4, "1 quarter"),
    ],
)
def test_periods_per_year_follow_the_bar_spacing_and_the_calendar(freq, count, asset_type, periods, horizon):
    index = pd.date_range("2015-01-05", periods=count, freq=freq, tz="UTC")
    assert risk.periods_per_year(index, asset_type=asset_type) == periods
    assert risk.horizon(index) == horizon


def test_intraday_equities_count_bars_per_session():
    sessions = pd.bdate_range("2024-01-02", periods=30)
    index = pd.DatetimeIndex(
        [d + pd.Timedelta(hours=14, minutes=30) + pd.Timedelta(minutes=30 * k) for d in sessions for k in range(13)]
    )
    assert risk.periods_per_year(index, asset_type="stock") == 13 * 252


def test_monthly_volatility_is_annualised_with_twelve_periods():
    rng = np.random.default_rng(5)
    index = pd.date_range("2012-01-01", periods=150, freq="MS", tz="UTC")
    close = pd.Series(100 * np.cumprod(1 + rng.normal(0.05, 0.4, 150)).clip(1), index=index)
    r = close.pct_change().dropna()
    result = risk.measure(close, asset_type="crypto")
    assert result["periods_per_year"] == 12 and result["horizon"] == "1 month"
    assert result["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(12), rel=1e-5)
    assert result["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(12), abs=1e-6)


def test_beta_of_a_scaled_copy():
    rng = np.random.default_rng(1)
    index = pd.date_range("2020-01-01", periods=300, freq="B")
    bench = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 300)), index=index)
    twice = pd.Series(100 * np.cumprod(1 + 2 * bench.pct_change().fillna(0)), index=index)
    result = risk.measure(twice, benchmark=bench)
    assert result["beta"] == pytest.approx(2.0, rel=1e-6)
    assert result["correlation"] == pytest.approx(1.0, rel=1e-9)


def test_beta_of_monthly_bars_uses_the_benchmark_over_the_same_months():
    rng = np.random.default_rng(2)
    days = pd.date_range("2010-01-01", "2016-12-31", freq="B")
    bench = pd.Series(100 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(days))), index=days)
    months = pd.date_range("2010-02-01", "2016-12-01", freq="MS")
    at_month = bench.reindex(bench.index.union(months)).ffill().reindex(months)
    monthly = pd.Series(50 * np.cumprod(1 + 1.5 * at_month.pct_change().fillna(0)), index=months)
    result = risk.measure(monthly, benchmark=bench)
    assert result["beta"] == pytest.approx(1.5, rel=1e-6)
    assert result["benchmark_observations"] == len(months) - 1


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


def test_atr_and_adx_follow_wilder(goog_frame):
    df, ind = goog_frame
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

    # ATR: the true ranges from the second bar on, seeded with their first 14's mean (row 14).
    atr = smooth(tr)
    assert ind["atr_14"].iloc[:14].isna().all()
    assert ind["atr_14"].iloc[14] == pytest.approx(atr[0], rel=1e-9)
    assert ind["atr_14"].iloc[199] == pytest.approx(atr[-1], rel=1e-9)

    # ADX by TA-Lib's recurrence: Wilder sums of +DM, -DM and TR seeded with the sums of the first
    # 13 moves, DX from the 14th move on, ADX seeded with the mean of the first 14 DX (row 27).
    s_plus, s_minus, s_tr = sum(plus[:13]), sum(minus[:13]), sum(tr[:13])
    dx = []
    for p_dm, m_dm, t in zip(plus[13:], minus[13:], tr[13:], strict=True):
        s_plus, s_minus, s_tr = s_plus - s_plus / 14 + p_dm, s_minus - s_minus / 14 + m_dm, s_tr - s_tr / 14 + t
        di_plus, di_minus = 100 * s_plus / s_tr, 100 * s_minus / s_tr
        dx.append(100 * abs(di_plus - di_minus) / (di_plus + di_minus))
    adx = [sum(dx[:14]) / 14]
    for value in dx[14:]:
        adx.append((adx[-1] * 13 + value) / 14)
    assert ind["adx_14"].iloc[:27].isna().all()
    assert ind["adx_14"].iloc[27] == pytest.approx(adx[0], rel=1e-9)
    assert ind["adx_14"].iloc[199] == pytest.approx(adx[-1], rel=1e-9)


def _walk(returns: np.ndarray) -> pd.DataFrame:
    index = pd.date_range("2010-01-04", periods=len(returns), freq="B", tz="UTC")
    close = pd.Series(100 * np.cumprod(1 + returns), index=index)
    return pd.DataFrame(
        {"open": close, "high": close * 1.005, "low": close * 0.995, "close": close, "volume": 1e6}, index=index
    )


def test_direction_model_says_no_edge_on_a_random_walk():
    from apps.market.engine import predict

    df = _walk(np.random.default_rng(8).normal(0.0003, 0.01, 1500))
    result = predict.walk_forward(df, indicators.compute(df), horizon=5)
    assert set(result["baselines"]) == {"majority_direction", "persistence", "always_up", "always_down"}
    assert result["purge_gap_bars"] == 5
    assert result["verdict"] == "no edge" and result["beats_baseline"] is False
    assert result["margin_ci_95"][0] <= 0 <= result["margin_ci_95"][1] or result["margin_ci_95"][1] < 0


def test_direction_model_finds_a_real_edge():
    from apps.market.engine import predict

    # Returns that revert strongly after a run: the 20-bar return predicts the next bar's sign.
    rng = np.random.default_rng(4)
    r = np.zeros(1500)
    for i in range(1500):
        past = r[max(0, i - 20) : i].sum()
        r[i] = -0.3 * past + rng.normal(0, 0.004)
    df = _walk(r)
    result = predict.walk_forward(df, indicators.compute(df), horizon=1)
    assert result["verdict"] == "edge" and result["beats_baseline"] is True
    assert result["margin_ci_95"][0] > 0 and result["accuracy"] > max(result["baselines"].values())
    assert result["purge_gap_bars"] == 1
