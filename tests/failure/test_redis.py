"""Redis (cache, broker, channel layer) paused and then lost while jobs and HTTP requests run,
against a throwaway Redis on a free port with real gunicorn, worker and beat processes.

Bounds (README, "Operations"): while Redis is away requests answer 200 or 503 naming the
dependency, never 500, each within a few seconds; after it returns requests succeed within 10 s;
no job is lost (a message the broker lost is re-published within 2 minutes).
"""

import sys
import threading
import time

import httpx
import pytest
from django.utils import timezone

from apps.accounts import services as accounts
from apps.core.models import Job
from apps.core.tasks import run_job
from config.celery import app as celery_app
from tests.factories import UserFactory
from tests.failure.harness import (
    Process,
    RedisServer,
    child_env,
    children_database_url,
    free_port,
    start_beat,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.failure, pytest.mark.serial]


class Prober(threading.Thread):
    """GETs an API endpoint every 0.25 s, recording when each call started, its status and duration."""

    def __init__(self, url: str, key: str):
        super().__init__(daemon=True)
        self.url, self.headers = url, {"Authorization": f"Bearer {key}"}
        self.samples: list[tuple[float, int, float, dict]] = []
        self.stop = threading.Event()

    def run(self):
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    response = client.get(self.url, headers=self.headers)
                    status, body = response.status_code, (response.json() if response.content else {})
                    body = {**body.get("error", {}), "retry_after_header": response.headers.get("Retry-After")}
                except httpx.HTTPError as exc:
                    status, body = 0, {"exception": str(exc)}
                self.samples.append((started, status, time.monotonic() - started, body))
                time.sleep(0.25)

    def between(self, start: float, end: float):
        return [s for s in self.samples if start <= s[0] < end]

    def first_success_after(self, moment: float) -> float:
        return next(s[0] + s[2] for s in self.samples if s[0] >= moment and s[1] == 200) - moment


def publish_slow_job(owner, broker_url: str, *, steps: int) -> Job:
    job = Job.objects.create(
        owner=owner, kind="test.slow", queue="default", params={"steps": steps, "step_seconds": 0.5},
        queued_at=timezone.now(),
    )  # fmt: skip
    with celery_app.connection_for_write(broker_url) as conn:
        run_job.apply_async(args=[str(job.id)], queue="default", connection=conn)
    return job


def all_finished(ids):
    jobs = list(Job.objects.filter(pk__in=ids))
    return jobs if all(j.is_finished for j in jobs) else None


@pytest.fixture
def stack(production_shape, tmp_path):
    redis = RedisServer().start()
    env = child_env(DATABASE_URL=children_database_url(), REDIS_URL=redis.url, CACHE_KEY_PREFIX="failure")
    port = free_port()
    web = Process(
        "web",
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60"],
        env,
    )
    worker = start_worker("redis-outage", env)
    beat = start_beat(env, tmp_path)
    try:
        user = UserFactory()
        _, key = accounts.create_api_key(user=user, name="prober")
        wait_until(lambda: _answers(port), timeout=240, what="web up")
        worker.wait_for_log("ready.", timeout=240)
        yield {"redis": redis, "url": f"http://127.0.0.1:{port}", "key": key, "user": user, "worker": worker}
    finally:  # also when start-up failed: no process outlives the test
        for process in (web, worker, beat):
            process.stop()
        redis.close()


def _answers(port) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def assert_503s_name_the_cache(samples):
    for _, status, _, body in samples:
        if status == 503:
            assert body["dependency"] == "cache" and body["code"] == "unavailable", body
            assert body["retry_after_header"] == "5"


def test_redis_paused_for_20_seconds(stack, figures):
    redis, user = stack["redis"], stack["user"]
    jobs = [publish_slow_job(user, redis.url, steps=16) for _ in range(3)]
    prober = Prober(f"{stack['url']}/api/v1/jobs/", stack["key"])
    prober.start()
    wait_until(lambda: len(prober.samples) >= 4, timeout=30, what="first answers")

    paused = time.monotonic()
    redis.pause()
    time.sleep(20)
    redis.resume()
    resumed = time.monotonic()
    done = wait_until(lambda: all_finished([j.id for j in jobs]), timeout=180, what="jobs finished")
    time.sleep(2)
    prober.stop.set()
    prober.join()

    during = prober.between(paused, resumed)
    statuses = [s[1] for s in prober.samples]
    figures["redis SIGSTOP 20 s: statuses"] = {code: statuses.count(code) for code in set(statuses)}
    figures["redis SIGSTOP 20 s: slowest answer while paused (s)"] = round(max(s[2] for s in during), 2)
    figures["redis SIGSTOP 20 s: seconds to the first 200 after resume"] = round(prober.first_success_after(resumed), 2)
    figures["redis SIGSTOP 20 s: jobs"] = [(j.status, j.attempts) for j in done]
    assert 500 not in statuses and 0 not in statuses
    assert 503 in [s[1] for s in during]
    assert_503s_name_the_cache(prober.samples)
    assert max(s[2] for s in during) < 5
    assert prober.first_success_after(resumed) < 10
    assert all(j.status == Job.Status.SUCCEEDED for j in done), [(j.status, j.error) for j in done]


def test_redis_killed_and_restarted_without_its_data(stack, figures):
    redis, user = stack["redis"], stack["user"]
    # One job runs; the others wait in the broker (one worker process): their messages will be lost.
    jobs = [publish_slow_job(user, redis.url, steps=8) for _ in range(4)]
    wait_until(lambda: Job.objects.filter(pk=jobs[0].pk, status="running").exists(), timeout=60, what="running")
    prober = Prober(f"{stack['url']}/api/v1/jobs/", stack["key"])
    prober.start()
    wait_until(lambda: len(prober.samples) >= 4, timeout=30, what="first answers")

    down = time.monotonic()
    redis.kill()
    time.sleep(10)
    redis.start()  # same port, empty: every queued message and the cache are gone
    back = time.monotonic()
    done = wait_until(lambda: all_finished([j.id for j in jobs]), timeout=240, what="jobs finished")
    all_done = time.monotonic() - back
    prober.stop.set()
    prober.join()

    statuses = [s[1] for s in prober.samples]
    figures["redis kill + empty restart: statuses"] = {code: statuses.count(code) for code in set(statuses)}
    figures["redis kill + empty restart: seconds to the first 200 after restart"] = round(
        prober.first_success_after(back), 2
    )
    figures["redis kill + empty restart: seconds until every job finished"] = round(all_done, 1)
    figures["redis kill + empty restart: jobs"] = [(j.status, j.attempts) for j in done]
    assert 500 not in statuses and 0 not in statuses
    assert_503s_name_the_cache(prober.samples)
    assert max(s[2] for s in prober.between(down, back)) < 5
    assert prober.first_success_after(back) < 10
    assert all(j.status == Job.Status.SUCCEEDED for j in done), [(j.status, j.error) for j in done]
    assert all_done < 120 + 30  # re-published within 2 minutes, then run (4 s each)
