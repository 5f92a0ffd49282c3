"""Celery beat that schedules only while it holds the ``beat`` lease (one scheduler at a time).

Start as many ``celery beat`` processes as you like (``CELERY_BEAT_SCHEDULER`` points here): the one
holding the lease sends the due tasks and renews the lease every ``LEASE_SECONDS / 3``; the others
poll once a second and take over within ``LEASE_SECONDS`` of the holder dying. Without Redis (the
embedded default, tasks run eagerly) there is nothing to share, so no lease is taken.
"""

import logging

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

from .leases import Backoff, Lease

logger = logging.getLogger(__name__)
STANDBY_POLL_SECONDS = 1.0


class LeasedScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lease = Lease("beat", ttl=settings.LEASE_SECONDS) if settings.REDIS_URL else None
        self._backoff = Backoff(cap=settings.LEASE_SECONDS)
        self._standby_logged = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        if self.lease is None:
            return super().tick(*args, **kwargs)
        try:
            held = self.lease.keep()
        except redis.RedisError as exc:
            delay = self._backoff.next()
            logger.warning("beat: Redis unreachable for the lease (%s); retrying in %.1fs", exc, delay)
            return delay
        self._backoff.reset()
        if not held:
            if not self._standby_logged:
                logger.info("beat: standby, another scheduler holds the lease")
                self._standby_logged = True
            return STANDBY_POLL_SECONDS
        self._standby_logged = False
        return min(super().tick(*args, **kwargs), self.lease.renew_every)

    def close(self) -> None:
        super().close()
        if self.lease is not None:
            self.lease.release()
