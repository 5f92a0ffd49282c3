"""Jobs outlive their workers: leases, the sweep, redelivered messages, attempt limits, cleanup.

These run the services against the database; tests/failure/ kills real worker processes.
"""

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import jobs, services
from apps.core.models import Job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_kind():
    """A kind that records its runs and the cleanups of its lost attempts, allowing 2 attempts."""
    calls = {"runs": 0, "cleanups": []}

    def cleanup(job):
        calls["cleanups"].append(job.attempts)

    @jobs.register_job("test.counting", max_attempts=2, cleanup=cleanup)
    def counting(job, report):
        calls["runs"] += 1
        report(50, "half way")
        return {"attempt": job.attempts}

    yield calls
    jobs._registry.pop("test.counting")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def lost_running_job(*, attempts=1, **fields) -> Job:
    now = timezone.now()
    defaults = {"started_at": now, "heartbeat_at": now, "worker": f"{socket.gethostname()}:{dead_pid()}"}
    return JobFactory(kind="test.counting", status=Job.Status.RUNNING, attempts=attempts, **{**defaults, **fields})


def test_a_redelivered_message_resumes_a_job_whose_worker_process_died(counting_kind):
    job = lost_running_job()  # lease still fresh, but the process that held it is gone

    services.run_job(job_id=job.id, lease=True)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2 and job.result == {"attempt": 2}
    assert counting_kind == {"runs": 1, "cleanups": [1]}  # the lost attempt's outputs went first
    assert job.heartbeat_at is None


def test_a_redelivered_message_leaves_a_live_attempt_alone(counting_kind):
    job = lost_running_job(worker="another-host:1")  # fresh lease held elsewhere

    services.run_job(job_id=job.id, lease=True)

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    assert counting_kind["runs"] == 0


def test_the_sweep_requeues_an_attempt_whose_lease_expired_and_the_job_runs_again(
    counting_kind, settings, django_capture_on_commit_callbacks
):
    expired = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    job = lost_running_job(worker="another-host:1", heartbeat_at=expired)
    JobFactory(kind="test.counting", status=Job.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.recover_jobs()

    assert counts["requeued"] == 1
    job.refresh_from_db()
    # Re-published at once (tests run tasks eagerly): the second attempt ran to the end.
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert counting_kind["cleanups"] == [1]


def test_the_last_attempt_lost_fails_the_job_with_the_reason_and_cleans_up(counting_kind, settings, auth_client, user):
    expired = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 5)
    job = lost_running_job(attempts=2, worker="another-host:1", heartbeat_at=expired, owner=user)

    assert services.recover_jobs()["failed"] == 1

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no heartbeat" in job.error and "2 attempt" in job.error
    assert counting_kind == {"runs": 0, "cleanups": [2]}
    body = auth_client.get(f"/api/v1/jobs/{job.id}").json()
    assert (body["attempts"], body["max_attempts"], body["status"]) == (2, 2, "failed")


def test_a_superseded_attempt_cannot_write_over_the_one_that_replaced_it(counting_kind):
    job = JobFactory(kind="test.counting", status=Job.Status.RUNNING, attempts=2, started_at=timezone.now())
    with pytest.raises(services.AttemptSuperseded):
        services.report_progress(job_id=job.id, progress=80, attempt=1)
    assert services.complete_job(job_id=job.id, result={"late": True}, attempt=1) is False
    assert services.fail_job(job_id=job.id, error="late", attempt=1) is False
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.result is None


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_renewed_while_the_attempt_runs(counting_kind, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    job = JobFactory(kind="test.counting")
    assert services.claim_job(job_id=job.id, worker=services.worker_identity(), lease=True)
    old = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=old)

    with services.JobHeartbeat(job_id=job.id, attempt=1):
        time.sleep(0.5)

    job.refresh_from_db()
    assert job.heartbeat_at > old + timedelta(minutes=4)
    assert job.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert services.lost_reason(job) is None
