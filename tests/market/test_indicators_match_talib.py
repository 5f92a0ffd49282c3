"""The API's indicators against TA-Lib run here, separately, on the full raw GOOG file.

The reference reads the CSV bundled with `backtesting` with pandas and calls TA-Lib directly; the
API reads the bars from the database, computes with its warm-up and serves JSON. Each window
(1 month, 1 year, all) must match the full-history reference at every point, its first included,
within max(1e-6 absolute, 1e-9 relative)."""

import numpy as np
import pandas as pd
import pytest
import talib

from apps.market import datasets

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    dataset = next(d for d in datasets.BUNDLED if d.symbol == "GOOG")
    raw = pd.read_csv(dataset.path, index_col=0, parse_dates=True)
    o, h, low, c, v = (raw[name].to_numpy(dtype=float) for name in ("Open", "High", "Low", "Close", "Volume"))
    assert len(o) == 2148
    ref = {}
    for n in (20, 50, 200):
        ref[f"sma_{n}"] = talib.SMA(c, n)
        ref[f"ema_{n}"] = talib.EMA(c, n)
    ref["rsi_14"] = talib.RSI(c, 14)
    ref["macd"], ref["macd_signal"], ref["macd_hist"] = talib.MACD(c, 12, 26, 9)
    ref["bb_upper"], ref["bb_middle"], ref["bb_lower"] = talib.BBANDS(c, 20, 2, 2, 0)
    ref["atr_14"] = talib.ATR(h, low, c, 14)
    ref["adx_14"] = talib.ADX(h, low, c, 14)
    ref["stoch_k"], ref["stoch_d"] = talib.STOCH(h, low, c, 14, 3, 0, 3, 0)
    ref["obv"] = talib.OBV(c, v)
    index = pd.DatetimeIndex(raw.index).tz_localize("UTC")
    return pd.DataFrame(ref, index=index)


def _close(served: list[dict], expected: pd.Series, name: str, window: str) -> None:
    times = pd.DatetimeIndex([pd.Timestamp(p["time"]) for p in served])
    values = np.array([p["value"] for p in served])
    wanted = expected.reindex(times).to_numpy()
    assert not np.isnan(wanted).any(), f"{name} ({window}) served where TA-Lib has no value"
    tolerance = np.maximum(1e-6, 1e-9 * np.abs(wanted))
    worst = np.max(np.abs(values - wanted) - tolerance)
    assert worst <= 0, f"{name} ({window}) differs from TA-Lib by up to {np.max(np.abs(values - wanted))}"


@pytest.mark.parametrize("window", ["1mo", "1y", "max"])
def test_every_indicator_matches_talib_on_the_full_history(auth_client, goog, reference, window):
    body = auth_client.get("/api/v1/market/stocks/GOOG/history", {"range": window, "indicators": "all"}).json()
    bars = pd.DatetimeIndex([pd.Timestamp(b["time"]) for b in body["bars"]])
    assert "TA-Lib" in body["indicator_convention"]
    for name in reference.columns:
        served = body["indicators"][name]
        expected = reference[name]
        # Every bar of the window where TA-Lib has a value is served (warm-up before the window).
        assert len(served) == int(expected.reindex(bars).notna().sum()), name
        if window != "max":
            assert pd.Timestamp(served[0]["time"]) == bars[0], f"{name} ({window}) misses the window's first bar"
        _close(served, expected, name, window)


def test_chart_defaults_cover_the_window_from_its_first_bar(auth_client, goog):
    body = auth_client.get("/api/v1/market/stocks/GOOG/history", {"range": "1y", "indicators": "true"}).json()
    first = body["bars"][0]["time"]
    for name in ("sma_200", "sma_50", "macd", "macd_signal", "rsi_14", "bb_upper"):
        assert body["indicators"][name][0]["time"] == first
        assert len(body["indicators"][name]) == len(body["bars"])
    month = auth_client.get("/api/v1/market/stocks/GOOG/history", {"range": "1mo", "indicators": "true"}).json()
    assert len(month["indicators"]["macd_hist"]) == len(month["bars"]) > 15


def test_analysis_last_values_match_talib(auth_client, goog, reference):
    body = auth_client.get("/api/v1/market/stocks/GOOG/analysis").json()
    last = reference.iloc[-1]
    for name in reference.columns:
        assert body["indicators"][name] == pytest.approx(last[name], abs=1e-6), name


def test_unknown_indicator_names_are_a_400_naming_the_field(auth_client, goog):
    response = auth_client.get("/api/v1/market/stocks/GOOG/history", {"range": "1mo", "indicators": "rsi_14,nope"})
    assert response.status_code == 400
    assert "nope" in response.json()["error"]["fields"]["indicators"][0]
