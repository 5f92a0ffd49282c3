"""The quote feed: turns prices into ticks on the channel layer (one group per symbol).

Without a realtime provider the prices come from the simulator: a random walk from each
instrument's last price with its own recent volatility; every tick says ``"source": "simulated"``.
"""

import asyncio
import json
import logging
import math
import random
import re
import time
from datetime import UTC, datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.errors import ServiceUnavailable

from . import selectors, services
from .engine import indicators, risk, simulate

logger = logging.getLogger(__name__)
DEFAULT_VOLATILITY = 0.3
PERSIST_EVERY_SECONDS = 5.0


def group_name(symbol: str) -> str:
    """A channel-layer group per symbol (group names allow letters, digits, ``_ . -`` only)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"_{ord(m.group()):x}", symbol.upper())
    return f"market.{safe}"


class Simulator:
    """In-memory state of the simulated walk for every active instrument with a price."""

    def __init__(self, *, tick_seconds: float, seed: int | None = None):
        self.tick_seconds = tick_seconds
        self.rng = random.Random(seed)
        self.state: dict[str, dict] = {}

    def load(self) -> None:
        for instrument in selectors.active_instruments():
            quote = selectors.quote_of(instrument)
            if quote is None:
                continue
            interval = selectors.native_interval(instrument)
            rows = selectors.last_bars(instrument=instrument, interval=interval, count=90) if interval else []
            vol = DEFAULT_VOLATILITY
            if interval == "1d" and len(rows) > 20:
                measured = risk.measure(indicators.frame(rows)["close"]).get("volatility")
                vol = measured if measured and math.isfinite(measured) else DEFAULT_VOLATILITY
            self.state[instrument.symbol] = {
                "price": float(quote.price),
                "open": float(quote.previous_close or quote.price),
                "sigma": simulate.daily_volatility_to_tick_sigma(vol, self.tick_seconds),
                "volume": 0.0,
            }

    def step(self) -> list[dict]:
        now = datetime.now(UTC).isoformat()
        ticks = []
        for symbol, s in self.state.items():
            s["price"] = simulate.next_price(s["price"], sigma=s["sigma"], rng=self.rng)
            s["volume"] += self.rng.randint(1, 50) * 100
            change = s["price"] - s["open"]
            ticks.append(
                {
                    "symbol": symbol,
                    "price": round(s["price"], 6),
                    "time": now,
                    "change": round(change, 6),
                    "change_percent": round(change / s["open"] * 100, 4),
                    "volume": s["volume"],
                    "previous_close": s["open"],
                    "source": "simulated",
                }
            )
        return ticks


class ProviderQuotes:
    """Live prices from the configured providers' quote endpoints (``MARKET_QUOTE_SOURCE=providers``),
    in the simulator's interface; an instrument no provider can quote is skipped and logged."""

    def __init__(self):
        self.instruments = []

    def load(self) -> None:
        self.instruments = list(selectors.active_instruments())

    @property
    def state(self) -> list:
        return self.instruments

    def step(self) -> list[dict]:
        ticks = []
        for instrument in self.instruments:
            try:
                ticks.append(services.provider_quote(instrument=instrument))
            except ServiceUnavailable as exc:
                logger.warning("No provider quote for %s: %s", instrument.symbol, exc)
        return ticks


def tick_event(tick: dict) -> dict:
    """The channel-layer message of one tick. The client's frame is encoded here, once, rather than
    by each of the (possibly thousands of) consumers that forward it."""
    frame = json.dumps({"type": "tick", **tick}, separators=(",", ":"))
    return {"type": "market.tick", "tick": tick, "frame": frame}


def publish(ticks: list[dict]) -> None:
    layer = get_channel_layer()

    async def send_all():
        await asyncio.gather(*(layer.group_send(group_name(t["symbol"]), tick_event(t)) for t in ticks))

    async_to_sync(send_all)()


def run(*, tick_seconds: float = 1.0, iterations: int | None = None, stop=None, seed: int | None = None) -> int:
    """Tick until ``stop`` is set (or ``iterations`` ticks); returns the number of ticks sent."""
    if settings.MARKET_QUOTE_SOURCE == "providers":
        source = ProviderQuotes()
        tick_seconds = max(tick_seconds, settings.MARKET_PROVIDER_QUOTE_SECONDS)
        what = "polling provider quotes for"
    else:
        source = Simulator(tick_seconds=tick_seconds, seed=seed)
        what = "simulating"
    source.load()
    logger.info("Quote feed: %s %d instruments every %.2fs", what, len(source.state), tick_seconds)
    sent, last_persist, count = 0, 0.0, 0
    while iterations is None or count < iterations:
        started = time.monotonic()
        ticks = source.step()
        publish(ticks)
        sent += len(ticks)
        count += 1
        if started - last_persist >= PERSIST_EVERY_SECONDS:
            services.record_ticks(ticks=[{**t, "time": datetime.fromisoformat(t["time"])} for t in ticks])
            last_persist = started
        if stop is not None and stop.wait(max(0.0, tick_seconds - (time.monotonic() - started))):
            break
        if stop is None:
            time.sleep(max(0.0, tick_seconds - (time.monotonic() - started)))
    return sent
