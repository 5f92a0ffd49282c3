"""Rate limits by tier, counted atomically in the cache (Redis ``INCR`` in production).

DRF's stock throttles read a list of timestamps, append and write it back: two concurrent requests
can both pass. Here each request does one atomic increment of a per-minute counter, and the limit
is checked against a sliding-window estimate (this minute's count plus the previous minute's,
weighted by how much of it still overlaps the window), which avoids bursts at minute boundaries.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from .client_ip import client_ip

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_in: int


def tier_of(user) -> str:
    if not user or not user.is_authenticated:
        return "anon"
    return getattr(user, "tier", "free") or "free"


def _count(current_key: str, previous_key: str) -> tuple[int, int]:
    """This minute's count after adding one, and the previous minute's. With Redis, one round trip
    (``INCR``, ``EXPIRE … NX``, ``GET`` in a pipeline); with another cache, its own operations."""
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import RedisError

    client = _redis_client()
    if client is None:
        return _increment(current_key), cache.get(previous_key, 0)
    current, previous = cache.make_key(current_key), cache.make_key(previous_key)
    pipe = client.pipeline(transaction=False)
    pipe.incr(current)
    pipe.expire(current, WINDOW_SECONDS * 2 + 5, nx=True)
    pipe.get(previous)
    try:
        count, _, before = pipe.execute()
    except RedisError as exc:  # as django-redis reports its own failures
        raise ConnectionInterrupted(connection=client) from exc
    return count, int(before or 0)


def _redis_client():
    """The cache's Redis connection when the cache is django-redis (integers are stored as plain
    numbers there, so ``INCR`` and ``cache.get`` agree), else None."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client.get_client(write=True)


def _increment(key: str) -> int:
    """Atomically add one to ``key``; one round trip once the minute's counter exists."""
    for _ in range(3):
        try:
            return cache.incr(key)
        except ValueError:  # first request of the minute (or the key just expired)
            if cache.add(key, 1, timeout=WINDOW_SECONDS * 2 + 5):
                return 1
    raise RuntimeError(f"could not count requests under {key}")


class TierRateThrottle(BaseThrottle):
    """Anonymous < free < premium requests per minute (``settings.API_RATE_LIMITS``)."""

    def allow_request(self, request, view) -> bool:
        tier = tier_of(request.user)
        limit = settings.API_RATE_LIMITS[tier]
        ident = f"u{request.user.pk}" if tier != "anon" else f"ip{self.get_ident(request)}"

        now = time.time()
        window = int(now // WINDOW_SECONDS)
        current, previous = _count(f"throttle:{ident}:{window}", f"throttle:{ident}:{window - 1}")
        elapsed = (now % WINDOW_SECONDS) / WINDOW_SECONDS
        estimated = current + previous * (1 - elapsed)

        self.wait_seconds = WINDOW_SECONDS - (now % WINDOW_SECONDS)
        request._request.rate_limit = RateLimitState(
            limit=limit,
            remaining=max(0, int(limit - estimated)),
            reset_in=int(self.wait_seconds + 0.999),
        )
        return estimated <= limit

    def get_ident(self, request) -> str:
        """Anonymous callers are counted by client IP, honouring only ``TRUSTED_PROXIES``
        (DRF's own ``get_ident`` believes ``X-Forwarded-For`` from anyone)."""
        return client_ip(request) or "unknown"

    def wait(self) -> float:
        return self.wait_seconds
