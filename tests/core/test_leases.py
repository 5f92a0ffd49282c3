"""Leases on the real Redis: one holder at a time, hand-over on release or expiry; beat gated by it."""

import time

import pytest
from celery import Celery
from django.conf import settings

from apps.core import beat
from apps.core.leases import Backoff, Lease

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="leases need Redis (REDIS_URL); none without it")


@pytest.fixture
def lease_name(request):
    name = f"test-{request.node.name}"
    yield name
    Lease(name, ttl=1).client.delete(f"{settings.CACHE_KEY_PREFIX}:lease:{name}")


def test_one_holder_at_a_time_and_release_hands_over(lease_name):
    first, second = Lease(lease_name, ttl=5), Lease(lease_name, ttl=5)
    assert first.hold() and first.held
    assert not second.hold() and not second.held
    assert first.hold()  # renewing keeps it
    assert first.current_holder() == first.holder
    first.release()
    assert not first.held
    assert second.hold() and second.held
    assert not first.hold()


def test_a_holder_that_stops_renewing_loses_the_lease_to_the_standby(lease_name):
    dead, standby = Lease(lease_name, ttl=1), Lease(lease_name, ttl=1)
    assert dead.hold()
    assert not standby.hold()
    time.sleep(0.85)
    assert not dead.held  # by its own clock it stopped acting before the key expired
    time.sleep(0.25)
    assert standby.hold()
    assert not dead.hold()  # coming back late, it finds the lease taken and stays a standby


def test_backoff_doubles_up_to_its_cap():
    backoff = Backoff(first=1, cap=4)
    delays = [backoff.next() for _ in range(5)]
    assert 0.8 <= delays[0] <= 1.2 and 1.6 <= delays[1] <= 2.4 and all(3.2 <= d <= 4.8 for d in delays[2:])
    backoff.reset()
    assert backoff.next() <= 1.2


class RecordingScheduler(beat.LeasedScheduler):
    """Records the entries it sends instead of publishing them to a broker."""

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)


def scheduler(tmp_path, name):
    app = Celery(name, broker="memory://")
    app.conf.beat_schedule = {"often": {"task": "noop", "schedule": 0.05}}
    s = RecordingScheduler(app=app, schedule_filename=str(tmp_path / name))
    s.sent = []
    return s


def test_only_the_beat_holding_the_lease_schedules(tmp_path, settings):
    settings.LEASE_SECONDS = 2
    key = f"{settings.CACHE_KEY_PREFIX}:lease:beat"
    Lease("beat", ttl=1).client.delete(key)
    first, second = scheduler(tmp_path, "a"), scheduler(tmp_path, "b")
    try:
        for _ in range(6):
            assert first.tick() <= 2 / 3
            assert second.tick() == beat.STANDBY_POLL_SECONDS
            time.sleep(0.06)
        assert first.sent and not second.sent
        first.close()  # a clean stop hands over at once
        time.sleep(0.06)
        second.tick()
        time.sleep(0.06)
        second.tick()
        assert second.sent and second.lease.held
    finally:
        second.close()
        Lease("beat", ttl=1).client.delete(key)
