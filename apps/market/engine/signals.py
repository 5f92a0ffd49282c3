"""Trading signals, a trend and a confidence, from the indicator frame.

Each signal names its reason. The trend is "up" when the close is above SMA200 and SMA50 rises over
the last 10 rows, "down" for the mirror case, else "sideways". Confidence (0 to 1) combines trend
strength and agreement: ADX/50 (ADX above 25 marks a strong trend; capped at 1), times the share of
the directional signals that point the trend's way (0.5 when there are none). A sideways trend
reports 1 − ADX/50: a weak ADX makes "sideways" more certain.
"""

import pandas as pd


def detect(df: pd.DataFrame, ind: pd.DataFrame, *, lookback: int = 5) -> dict:
    signals: list[dict] = []
    close = df["close"]
    last = ind.iloc[-1] if not ind.empty else pd.Series(dtype=float)

    rsi = last.get("rsi_14")
    if pd.notna(rsi) and rsi > 70:
        signals.append({"name": "rsi_overbought", "direction": "down", "reason": f"RSI(14) is {rsi:.1f}, above 70"})
    elif pd.notna(rsi) and rsi < 30:
        signals.append({"name": "rsi_oversold", "direction": "up", "reason": f"RSI(14) is {rsi:.1f}, below 30"})

    recent = ind.tail(lookback + 1)
    if {"macd", "macd_signal"} <= set(recent) and len(recent) > 1:
        diff = (recent["macd"] - recent["macd_signal"]).dropna()
        if len(diff) > 1 and (diff.iloc[:-1] <= 0).any() and diff.iloc[-1] > 0 and diff.iloc[-2] <= 0:
            signals.append(
                {
                    "name": "macd_bullish_cross",
                    "direction": "up",
                    "reason": "MACD crossed above its signal line on the last bar",
                }
            )
        elif len(diff) > 1 and diff.iloc[-1] < 0 and diff.iloc[-2] >= 0:
            signals.append(
                {
                    "name": "macd_bearish_cross",
                    "direction": "down",
                    "reason": "MACD crossed below its signal line on the last bar",
                }
            )

    if {"sma_50", "sma_200"} <= set(recent):
        spread = (recent["sma_50"] - recent["sma_200"]).dropna()
        if len(spread) > 1 and spread.iloc[-1] > 0 and (spread.iloc[:-1] <= 0).any():
            signals.append(
                {
                    "name": "golden_cross",
                    "direction": "up",
                    "reason": f"SMA50 crossed above SMA200 in the last {lookback} bars",
                }
            )
        elif len(spread) > 1 and spread.iloc[-1] < 0 and (spread.iloc[:-1] >= 0).any():
            signals.append(
                {
                    "name": "death_cross",
                    "direction": "down",
                    "reason": f"SMA50 crossed below SMA200 in the last {lookback} bars",
                }
            )

    upper, lower = last.get("bb_upper"), last.get("bb_lower")
    if pd.notna(upper) and close.iloc[-1] > upper:
        signals.append(
            {
                "name": "upper_band_break",
                "direction": "up",
                "reason": f"Close {close.iloc[-1]:.2f} is above the upper Bollinger band {upper:.2f}",
            }
        )
    elif pd.notna(lower) and close.iloc[-1] < lower:
        signals.append(
            {
                "name": "lower_band_break",
                "direction": "down",
                "reason": f"Close {close.iloc[-1]:.2f} is below the lower Bollinger band {lower:.2f}",
            }
        )

    volume = df["volume"]
    if len(volume) > 20 and volume.iloc[-21:-1].mean() > 0:
        ratio = volume.iloc[-1] / volume.iloc[-21:-1].mean()
        if ratio >= 2:
            signals.append(
                {"name": "volume_spike", "direction": "neutral", "reason": f"Volume is {ratio:.1f}× its 20-bar average"}
            )

    trend, confidence = _trend(close, ind, signals)
    return {"signals": signals, "trend": trend, "confidence": confidence}


def _trend(close: pd.Series, ind: pd.DataFrame, signals: list[dict]) -> tuple[str, float]:
    sma50, sma200 = ind.get("sma_50"), ind.get("sma_200")
    trend = "sideways"
    if sma50 is not None and sma200 is not None and len(ind) > 10 and pd.notna(sma200.iloc[-1]):
        rising = sma50.iloc[-1] > sma50.iloc[-11]
        if close.iloc[-1] > sma200.iloc[-1] and rising:
            trend = "up"
        elif close.iloc[-1] < sma200.iloc[-1] and not rising:
            trend = "down"
    adx = ind["adx_14"].iloc[-1] if "adx_14" in ind and pd.notna(ind["adx_14"].iloc[-1]) else 20.0
    strength = min(1.0, float(adx) / 50)
    if trend == "sideways":
        return trend, round(1 - strength, 3)
    directional = [s for s in signals if s["direction"] in {"up", "down"}]
    agreement = sum(s["direction"] == trend for s in directional) / len(directional) if directional else 0.5
    return trend, round(strength * agreement, 3)
