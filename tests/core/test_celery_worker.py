"""A real Celery worker (not eager) against the configured broker, Redis in CI."""

import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker
from rest_framework.test import APIClient

from apps.core.models import Job
from config.celery import app as celery_app

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    celery_app.conf.task_always_eager = True


def wait_for(job_id, *, timeout=20.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout}s (status {job.status})")


def test_a_worker_runs_the_job_and_its_log_carries_the_request_id(celery_worker, staff_user, caplog):
    caplog.set_level(logging.INFO)
    client = APIClient()
    client.force_authenticate(staff_user)
    response = client.post("/api/v1/system/selfcheck/", HTTP_X_REQUEST_ID="trace-into-worker")
    assert response.status_code == 202
    job = wait_for(response.json()["job"]["id"])

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.request_id == "trace-into-worker"
    assert job.result["checks"]["database"]["ok"] is True
    worker_lines = [r for r in caplog.records if r.name == "apps.core.services" and "started" in r.getMessage()]
    assert worker_lines, "the worker logged nothing about the job"
    assert {r.request_id for r in worker_lines} == {"trace-into-worker"}
    assert all(r.threadName != "MainThread" for r in worker_lines)
