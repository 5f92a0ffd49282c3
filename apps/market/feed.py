"""The quote feed: turns prices into ticks and publishes one round per interval (``fanout``).

Without a realtime provider the prices come from the simulator: a random walk from each
instrument's last price with its own recent volatility; every tick says ``"source": "simulated"``.

Reliability (``run``): with Redis, only the holder of the ``market-feed`` lease publishes; another
``run_quote_feed`` waits as a hot standby and takes over within ``LEASE_SECONDS`` of the holder's
death. A Redis or database error never ends the loop: it backs off (0.5 s doubling to 10 s) and
resumes by itself. While the database is down the walk goes on from memory (ticks are stored again
once it is back). Instruments added or deactivated while it runs are picked up every
``RELOAD_SECONDS``.
"""

import contextlib
import json
import logging
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import DatabaseError, connections

from apps.core import metrics
from apps.core.errors import ServiceUnavailable
from apps.core.leases import Backoff, Lease, redis_client

from . import fanout, selectors, services
from .engine import indicators, risk, simulate

logger = logging.getLogger(__name__)
DEFAULT_VOLATILITY = 0.3
PERSIST_EVERY_SECONDS = 5.0
RELOAD_SECONDS = 5.0
STANDBY_POLL_SECONDS = 1.0


class Simulator:
    """In-memory state of the simulated walk for every active instrument with a price."""

    def __init__(self, *, tick_seconds: float, seed: int | None = None):
        self.tick_seconds = tick_seconds
        self.rng = random.Random(seed)
        self.state: dict[str, dict] = {}

    def load(self) -> None:
        """(Re)read the active instruments: new ones join the walk, deactivated ones leave it, the
        others keep walking from where they are."""
        instruments = list(selectors.active_instruments())
        active = {i.symbol for i in instruments}
        for symbol in set(self.state) - active:
            del self.state[symbol]
        for instrument in instruments:
            if instrument.symbol in self.state:
                continue
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


def tick_frame(tick: dict) -> str:
    """The client's frame of one tick, encoded once by the feed for every subscriber."""
    return json.dumps({"type": "tick", **tick}, separators=(",", ":"))


class Publisher:
    """Sends rounds of ticks: to Redis pub/sub when ``REDIS_URL`` is set, else in-process."""

    def __init__(self):
        self.client = redis_client() if settings.REDIS_URL else None

    def publish(self, ticks: list[dict], *, interval: float) -> None:
        payload = fanout.encode_round([(t["symbol"], tick_frame(t)) for t in ticks], interval=interval)
        if self.client is None:
            fanout.deliver_in_process(payload)
        else:
            self.client.publish(fanout.channel_name(), payload)
        metrics.ticks_published(len(ticks))


def publish(ticks: list[dict], *, interval: float | None = None) -> None:
    """Publish one round of ticks to every subscribed socket (used by tests and tools)."""
    Publisher().publish(ticks, interval=interval or settings.MARKET_FEED_INTERVAL)


def _source(tick_seconds: float, seed: int | None):
    if settings.MARKET_QUOTE_SOURCE == "providers":
        seconds = max(tick_seconds, settings.MARKET_PROVIDER_QUOTE_SECONDS)
        return ProviderQuotes(), seconds, "polling provider quotes for"
    return Simulator(tick_seconds=tick_seconds, seed=seed), tick_seconds, "simulating"


def _drop_db_connections(*, broken_only: bool = False) -> None:
    """Drop this thread's connections (``broken_only``: those unusable or past their age) so the next
    query reconnects. A connection inside an atomic block (a caller's transaction) is left alone."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close_if_unusable_or_obsolete() if broken_only else conn.close()
        except DatabaseError:
            conn.connection = None


def run(*, tick_seconds: float = 1.0, iterations: int | None = None, stop=None, seed: int | None = None) -> int:
    """Tick until ``stop`` is set (or ``iterations`` ticks); returns the number of ticks sent.

    Never returns on a Redis or database error: it logs, backs off and carries on."""
    stop = stop or threading.Event()
    source, tick_seconds, what = _source(tick_seconds, seed)
    lease = Lease("market-feed", ttl=settings.LEASE_SECONDS) if settings.REDIS_URL else None
    publisher = Publisher()
    backoff = Backoff()
    sent, count = 0, 0
    loaded_at, persisted_at = None, 0.0
    standby_logged = False
    storer, storing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quote-store"), None

    def wait(seconds: float) -> bool:
        """Sleep up to ``seconds``, renewing the lease meanwhile; True when asked to stop."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if stop.wait(min(remaining, lease.renew_every if lease else remaining)):
                return True
            if lease is not None and lease.held:
                # On a Redis error the loop notices and backs off; the lease lapses by its own clock.
                with contextlib.suppress(redis.RedisError):
                    lease.keep()
        return stop.is_set()

    try:
        while iterations is None or count < iterations:
            if stop.is_set():
                break
            started = time.monotonic()
            try:
                if lease is not None and not lease.keep():
                    if not standby_logged:
                        logger.info("Quote feed: standby, another feed holds the lease")
                        standby_logged = True
                    loaded_at = None  # reload from the database on taking over
                    if wait(STANDBY_POLL_SECONDS):
                        break
                    continue
                standby_logged = False
                if loaded_at is None or started - loaded_at >= RELOAD_SECONDS:
                    _reload(source, fresh=loaded_at is None, what=what, tick_seconds=tick_seconds)
                    loaded_at = started
                ticks = source.step()
                if lease is None or lease.held:
                    publisher.publish(ticks, interval=tick_seconds)
                    sent += len(ticks)
                count += 1
                if ticks and started - persisted_at >= PERSIST_EVERY_SECONDS and (storing is None or storing.done()):
                    persisted_at = started
                    if iterations is None:
                        # The service stores off the tick loop: a slow database must not delay
                        # ticks or the lease. A bounded run (tools, tests) stores in its own thread.
                        storing = storer.submit(_persist, ticks)
                    else:
                        _persist(ticks)
                backoff.reset()
            except Exception as exc:  # the feed outlives any failure, and says why
                delay = backoff.next()
                if isinstance(exc, redis.RedisError | DatabaseError | OSError):
                    logger.warning("Quote feed: %s unreachable (%s); retrying in %.1fs", _what_failed(exc), exc, delay)
                else:
                    logger.exception("Quote feed: unexpected error; retrying in %.1fs", delay)
                _drop_db_connections()
                if wait(delay):
                    break
                continue
            if wait(max(0.0, tick_seconds - (time.monotonic() - started))):
                break
    finally:
        storer.shutdown(wait=True)
        if lease is not None:
            lease.release()
    return sent


def _reload(source, *, fresh: bool, what: str, tick_seconds: float) -> None:
    """Pick up instruments added or deactivated meanwhile. A database outage keeps the current set
    (ticks go on from memory); only a feed with nothing loaded yet has to wait for the database."""
    _drop_db_connections(broken_only=True)
    if fresh and isinstance(source, Simulator):
        source.state.clear()  # taking over: start from the stored prices
    before = len(source.state)
    try:
        source.load()
    except DatabaseError as exc:
        _drop_db_connections()
        if fresh or not source.state:
            raise
        logger.warning("Quote feed: could not re-read instruments (%s); ticking on from memory", exc)
        return
    if fresh or len(source.state) != before:
        logger.info("Quote feed: %s %d instruments every %.2fs", what, len(source.state), tick_seconds)


def _persist(ticks: list[dict]) -> None:
    """Store the latest prices (in the storing thread); an outage skips this round (the walk goes on
    from memory)."""
    try:
        _drop_db_connections(broken_only=True)
        services.record_ticks(ticks=[{**t, "time": datetime.fromisoformat(t["time"])} for t in ticks])
    except Exception as exc:  # the database or the cache is down: publish on regardless
        logger.warning("Quote feed: could not store prices (%s); publishing on", exc)
        _drop_db_connections()
    finally:
        if threading.current_thread().name.startswith("quote-store"):
            connections.close_all()


def _what_failed(exc: Exception) -> str:
    return "the database" if isinstance(exc, DatabaseError) else "Redis"
