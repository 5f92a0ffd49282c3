"""Leases: one holder at a time for a process that must be a singleton (the quote feed, beat).

A lease is a Redis lock with an expiry (redis-py's ``Lock``: ``SET key token NX PX ttl``). The holder
calls ``hold()`` at least every ``ttl / 3`` seconds, which renews it; a second instance calls
``hold()`` too and gets ``False`` until the holder stops renewing — it died, hung, or lost Redis —
and the key expires, then it takes over within ``ttl`` plus its polling period. A holder that
cannot renew in time stops believing it holds the lease (``held`` looks at its own clock), so two
holders never act at once as long as they act only while ``held``. ``release()`` hands over at
once on a clean stop.

Keys are namespaced with ``CACHE_KEY_PREFIX`` (``<prefix>:lease:<name>``). Redis errors propagate
from ``hold()``: the caller backs off and retries (see ``Backoff``).
"""

import logging
import os
import random
import socket
import time

import redis
from django.conf import settings
from redis.exceptions import LockError, LockNotOwnedError

logger = logging.getLogger(__name__)


def redis_client(url: str | None = None) -> redis.Redis:
    """A client with short timeouts: an unreachable Redis fails a call within ~2 s, never blocks."""
    return redis.Redis.from_url(
        url or settings.REDIS_URL,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=10,
    )


class Lease:
    def __init__(self, name: str, *, ttl: float, client: redis.Redis | None = None):
        self.name = name
        self.ttl = ttl
        self.key = f"{settings.CACHE_KEY_PREFIX}:lease:{name}"
        self.client = client or redis_client()
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        # thread_local=False: the token is the process's, whichever thread renews it.
        self._lock = self.client.lock(self.key, timeout=ttl, thread_local=False)
        self._valid_until = 0.0
        self._renewed_at = 0.0

    @property
    def held(self) -> bool:
        """True while this process holds the lease by its own clock (a margin before the expiry)."""
        return time.monotonic() < self._valid_until - min(1.0, self.ttl / 5)

    @property
    def renew_every(self) -> float:
        return self.ttl / 3

    def hold(self) -> bool:
        """Renew the lease if held, else try to take it; True if this process holds it now."""
        started = time.monotonic()
        if self._lock.local.token is not None:
            try:
                self._lock.reacquire()
                self._valid_until = started + self.ttl
                self._renewed_at = started
                return True
            except LockNotOwnedError:
                # Expired (we were too slow, or Redis lost it): someone else may hold it now.
                self._lock.local.token = None
                self._valid_until = 0.0
                logger.warning("Lost the %s lease", self.name)
        if self._lock.acquire(blocking=False):
            self._valid_until = started + self.ttl
            self._renewed_at = started
            self.client.set(f"{self.key}:holder", self.holder, px=int(self.ttl * 1000))
            logger.info("Took the %s lease (%s)", self.name, self.holder)
            return True
        return False

    def keep(self) -> bool:
        """``hold()`` only when a renewal is due; cheap to call in a loop."""
        if self.held and time.monotonic() - self._renewed_at < self.renew_every:
            return True
        return self.hold()

    def release(self) -> None:
        """Give the lease up now (a clean stop), so a standby takes over without waiting for the expiry."""
        self._valid_until = 0.0
        if self._lock.local.token is None:
            return
        try:
            self._lock.release()
            logger.info("Released the %s lease", self.name)
        except (LockError, redis.RedisError):
            self._lock.local.token = None

    def current_holder(self) -> str | None:
        """Who holds the lease (host:pid), for logs and operators."""
        value = self.client.get(f"{self.key}:holder") if self.client.exists(self.key) else None
        return value.decode() if value else None


class Backoff:
    """Exponential backoff with jitter for loops that reconnect: 0.5 s, 1 s, 2 s … capped."""

    def __init__(self, *, first: float = 0.5, cap: float = 10.0):
        self.first, self.cap, self.attempt = first, cap, 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.8, 1.2)  # jitter, not security

    def reset(self) -> None:
        self.attempt = 0
