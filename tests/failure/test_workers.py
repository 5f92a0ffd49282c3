"""A worker dies mid-job (a pool process, then a whole node): the job is re-run by itself, with its
attempt count, well within the 60 s bound (README, "Operations")."""

import os
import signal
import time

import pytest

from apps.core import services
from apps.core.models import Job
from tests.factories import UserFactory
from tests.failure import slow_job  # noqa: F401 - registers test.slow here as in the workers
from tests.failure.harness import child_env, children_database_url, start_beat, start_worker, wait_until

pytestmark = [pytest.mark.failure, pytest.mark.serial]

BOUND_SECONDS = 60


def job_state(job_id):
    return Job.objects.get(pk=job_id)


def running_past(job_id, progress):
    job = job_state(job_id)
    return job if job.status == Job.Status.RUNNING and job.progress >= progress else None


def finished(job_id):
    job = job_state(job_id)
    return job if job.is_finished else None


def test_a_pool_process_killed_mid_job_is_replaced_and_the_job_re_run(production_shape, figures):
    worker = start_worker("pool-kill", child_env(DATABASE_URL=children_database_url()))
    try:
        job = services.enqueue_job(owner=UserFactory(), kind="test.slow", params={"steps": 12, "step_seconds": 0.5})
        running = wait_until(lambda: running_past(job.id, 25), timeout=90, what="job running")
        child_pid = int(running.worker.rsplit(":", 1)[1])
        assert child_pid != worker.pid  # the pool process, not the worker's main process

        os.kill(child_pid, signal.SIGKILL)
        died = time.monotonic()
        done = wait_until(lambda: finished(job.id), timeout=BOUND_SECONDS + 30, what="job finished")
        recovered = time.monotonic() - died
    finally:
        worker.stop()
    figures["pool process kill -9: seconds to the job's success"] = round(recovered, 1)
    assert done.status == Job.Status.SUCCEEDED, (done.error, worker.tail())
    assert done.attempts == 2 and done.result == {"attempt": 2, "steps": 12}
    assert recovered < BOUND_SECONDS


def test_a_worker_node_killed_mid_job_is_noticed_by_the_sweep_and_the_job_re_run_elsewhere(
    production_shape, figures, tmp_path
):
    env = child_env(DATABASE_URL=children_database_url())
    first = start_worker("node-a", env)
    second = beat = None
    try:
        first.wait_for_log("ready.")
        job = services.enqueue_job(owner=UserFactory(), kind="test.slow", params={"steps": 160, "step_seconds": 0.5})
        wait_until(lambda: running_past(job.id, 1), timeout=90, what="job running on node a")
        second = start_worker("node-b", env)
        beat = start_beat(env, tmp_path)
        second.wait_for_log("ready.")  # node b is idle: the queue is empty
        beat.wait_for_log("beat: Starting")
        assert running_past(job.id, 1).attempts == 1

        first.kill_node()  # the main process and its pool together, no goodbye
        died = time.monotonic()
        restarted = wait_until(
            lambda: (j := job_state(job.id)).attempts == 2 and j.status == Job.Status.RUNNING,
            timeout=BOUND_SECONDS + 30,
            what="second attempt running",
        )
        rerun_after = time.monotonic() - died
        done = wait_until(lambda: finished(job.id), timeout=400, what="job finished")
        recovered = time.monotonic() - died
    finally:
        for process in (first, second, beat):
            if process:
                process.stop()
    figures["worker node kill -9: seconds to the re-run starting"] = round(rerun_after, 1)
    figures["worker node kill -9: seconds to the job's success"] = round(recovered, 1)
    assert restarted and rerun_after < BOUND_SECONDS
    assert done.status == Job.Status.SUCCEEDED, (done.error, second.tail() if second else "")
    assert done.attempts == 2
