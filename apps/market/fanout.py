"""Tick fan-out: the feed publishes one message per round; each WebSocket process receives it once
and writes the already-encoded frames to its local subscribers.

Wire format of a round (bytes): a JSON header line ``{"interval": seconds, "time": iso}``, then one
line per tick, ``SYMBOL<TAB>frame`` — the frame is the client's JSON text, encoded once by the feed.

Transport: with ``REDIS_URL``, a Redis pub/sub channel ``<CACHE_KEY_PREFIX>:market:ticks`` (one
subscription per process, whatever the number of sockets); without it, an in-process bus (the
embedded default runs the feed as a thread of the one server process).

Each event loop serving sockets has one ``Hub``: a listener (Redis, reconnecting with backoff) and a
watchdog. When no round has arrived for ``MARKET_FEED_STALE_INTERVALS`` feed intervals, every
subscribed socket gets ``{"type": "status", "state": "stale", …}``; the next round first sends
``{"type": "status", "state": "live"}``. A socket subscribing while stale is told at once.
"""

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from django.conf import settings

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]


def channel_name() -> str:
    return f"{settings.CACHE_KEY_PREFIX}:market:ticks"


def encode_round(frames: list[tuple[str, str]], *, interval: float) -> bytes:
    header = json.dumps({"interval": interval, "time": datetime.now(UTC).isoformat()})
    return "\n".join([header, *(f"{symbol}\t{frame}" for symbol, frame in frames)]).encode()


# --- the in-process bus (no Redis) ----------------------------------------------------------------
_hubs: dict[asyncio.AbstractEventLoop, "Hub"] = {}
_hubs_lock = threading.Lock()


def deliver_in_process(payload: bytes) -> None:
    """Hand a round to every hub of this process, from any thread."""
    with _hubs_lock:
        hubs = list(_hubs.values())
    for hub in hubs:
        with contextlib.suppress(RuntimeError):  # its loop closed meanwhile
            hub.loop.call_soon_threadsafe(hub.inbox.put_nowait, payload)


def hub() -> "Hub":
    """The hub of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        found = _hubs.get(loop)
        if found is None:
            found = _hubs[loop] = Hub(loop)
        return found


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.subscribers: dict[str, dict[object, Send]] = {}  # symbol -> {socket key: send}
        self.sockets: dict[object, tuple[Send, set[str]]] = {}
        self.interval = settings.MARKET_FEED_INTERVAL
        self.last_round = time.monotonic()
        self.last_round_time: str | None = None
        self.stale = False
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # -- membership -------------------------------------------------------------------------------
    async def join(self, key: object, send: Send, symbols: set[str]) -> None:
        """Subscribe a socket (``key``, written to with ``send``) to ``symbols``."""
        self._start()
        entry = self.sockets.setdefault(key, (send, set()))
        entry[1].update(symbols)
        for symbol in symbols:
            self.subscribers.setdefault(symbol, {})[key] = send
        with contextlib.suppress(TimeoutError):  # Redis down: join anyway, the watchdog says "stale"
            await asyncio.wait_for(self.ready.wait(), timeout=2)

    def status_if_stale(self) -> str | None:
        """The stale frame for a socket that just subscribed, if ticks have stopped."""
        return self._status_frame() if self.stale else None

    def leave(self, key: object, symbols: set[str] | None = None) -> None:
        """Unsubscribe a socket from ``symbols`` (all of them when None)."""
        entry = self.sockets.get(key)
        if entry is None:
            return
        dropping = set(entry[1]) if symbols is None else symbols & entry[1]
        for symbol in dropping:
            group = self.subscribers.get(symbol)
            if group is not None:
                group.pop(key, None)
                if not group:
                    del self.subscribers[symbol]
        entry[1].difference_update(dropping)
        if not entry[1]:
            del self.sockets[key]
        if not self.sockets:
            self._stop()

    # -- lifecycle --------------------------------------------------------------------------------
    def _start(self) -> None:
        if self._tasks:
            return
        self.last_round = time.monotonic()
        self.stale = False
        self._tasks = [self.loop.create_task(self._consume_inbox()), self.loop.create_task(self._watch())]
        if settings.REDIS_URL:
            self.ready.clear()
            self._tasks.append(self.loop.create_task(self._listen_redis()))
        else:
            self.ready.set()

    def _stop(self) -> None:
        with _hubs_lock:
            if _hubs.get(self.loop) is self:
                del _hubs[self.loop]
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()

    # -- receiving ---------------------------------------------------------------------------------
    async def _listen_redis(self) -> None:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        from apps.core.leases import Backoff

        backoff = Backoff(cap=5.0)
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, health_check_interval=10)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(channel_name())
                self.ready.set()
                backoff.reset()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message["type"] == "message":
                        await self.deliver(message["data"])
            except (RedisError, OSError) as exc:
                delay = backoff.next()
                logger.warning("Tick subscription lost (%s); reconnecting in %.1fs", exc, delay)
            except Exception:  # never leave the process deaf to ticks
                delay = backoff.next()
                logger.exception("Tick subscription failed; reconnecting in %.1fs", delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(delay)

    async def _consume_inbox(self) -> None:
        while True:
            await self.deliver(await self.inbox.get())

    async def deliver(self, payload: bytes) -> None:
        """Write one round's frames to the local subscribers."""
        header, *lines = payload.decode().split("\n")
        try:
            meta = json.loads(header)
            self.interval = float(meta.get("interval") or self.interval)
            self.last_round_time = meta.get("time")
        except (ValueError, TypeError, AttributeError):
            logger.warning("Ignoring a malformed tick round")
            return
        self.last_round = time.monotonic()
        if self.stale:
            self.stale = False
            await self._broadcast_status()
        subscribers = self.subscribers
        for line in lines:
            symbol, _, frame = line.partition("\t")
            group = subscribers.get(symbol)
            if group:
                for send in list(group.values()):
                    await self._safe_send(send, frame)

    # -- staleness ---------------------------------------------------------------------------------
    @property
    def stale_after(self) -> float:
        return settings.MARKET_FEED_STALE_INTERVALS * self.interval

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, min(1.0, self.interval / 2)))
            if not self.stale and time.monotonic() - self.last_round > self.stale_after:
                self.stale = True
                logger.warning("No quote ticks for %.1fs: telling %d sockets", self.stale_after, len(self.sockets))
                await self._broadcast_status()

    def _status_frame(self) -> str:
        if not self.stale:
            return json.dumps({"type": "status", "state": "live"})
        silent = round(time.monotonic() - self.last_round, 1)
        return json.dumps(
            {
                "type": "status",
                "state": "stale",
                "last_tick": self.last_round_time,
                "message": f"No quotes for {silent:g} s: the feed is reconnecting; prices shown may be out of date.",
            }
        )

    async def _broadcast_status(self) -> None:
        frame = self._status_frame()
        for send, _symbols in list(self.sockets.values()):
            await self._safe_send(send, frame)

    @staticmethod
    async def _safe_send(send: Send, frame: str) -> None:
        try:
            await send(frame)
        except Exception:  # one socket's failure must not stop the fan-out to the others
            logger.debug("Dropping a frame to a closing socket", exc_info=True)
