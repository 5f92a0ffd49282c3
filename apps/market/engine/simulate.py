"""Simulated live prices: a geometric random walk from the last close with the instrument's own
recent volatility, for when no realtime provider is configured. Always labelled "simulated"."""

import math
import random

SECONDS_PER_TRADING_YEAR = 252 * 6.5 * 3600


def daily_volatility_to_tick_sigma(annual_volatility: float, tick_seconds: float) -> float:
    return annual_volatility * math.sqrt(tick_seconds / SECONDS_PER_TRADING_YEAR)


def next_price(price: float, *, sigma: float, rng: random.Random) -> float:
    """One step: price × exp(σZ − σ²/2), so the walk has no drift in expectation."""
    return price * math.exp(sigma * rng.gauss(0.0, 1.0) - sigma * sigma / 2)
