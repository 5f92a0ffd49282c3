"""Batch jobs run by a real Celery worker (not eagerly) against the configured broker."""

import time

import pytest
from rest_framework.test import APIClient

from apps.core.models import Job
from tests.core.test_celery_worker import celery_worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_an_entities_batch(celery_worker, user):  # noqa: F811
    client = APIClient()
    client.force_authenticate(user)
    texts = [f"Microsoft hired {name} in Seattle." for name in ("Jane Doe", "John Smith", "Maria Garcia")] * 40
    response = client.post("/api/v1/nlp/batch/", {"kind": "entities", "texts": texts}, format="json")
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (job := Job.objects.get(pk=response.json()["job"]["id"])).status not in Job.TERMINAL:
        assert time.monotonic() < deadline, job.status
        time.sleep(0.2)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.queue == "ai"
    people = [e["text"] for item in job.result["items"] for e in item["result"]["entities"] if e["label"] == "PERSON"]
    assert people[:3] == ["Jane Doe", "John Smith", "Maria Garcia"]
    assert len(job.result["items"]) == 120
