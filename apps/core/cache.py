"""Cache backends that count hits and misses (``platform_cache_requests_total``).

The same backends as before (django-redis with Redis, local memory without), each reporting whether
a read found its key; ``get_many`` counts each key.
"""

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache

from .metrics import CACHE_REQUESTS

_MISSING = object()
_hits = CACHE_REQUESTS.labels(result="hit")
_misses = CACHE_REQUESTS.labels(result="miss")


class _CountsReads:
    def get(self, key, default=None, version=None, **kwargs):
        value = super().get(key, _MISSING, version=version, **kwargs)
        if value is _MISSING:
            _misses.inc()
            return default
        _hits.inc()
        return value

    def get_many(self, keys, version=None, **kwargs):
        keys = list(keys)
        found = super().get_many(keys, version=version, **kwargs)
        _hits.inc(len(found))
        _misses.inc(len(keys) - len(found))
        return found


class InstrumentedRedisCache(_CountsReads, RedisCache):
    """django-redis's cache, counting hits and misses."""


class InstrumentedLocMemCache(_CountsReads, LocMemCache):
    """The local-memory cache of the embedded default, counting hits and misses."""
