"""The worker path end to end: upload through the API, a real Celery worker on the images queue
runs the job, the output is downloadable."""

import io
import time

import pytest
from PIL import Image
from rest_framework.test import APIClient

from apps.core.models import Job
from tests.core.test_celery_worker import celery_worker  # noqa: F401 - the fixture
from tests.vision.conftest import encoded, photo, upload

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]


def test_a_worker_detects_a_face_and_stores_the_annotated_image(celery_worker, user):  # noqa: F811
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/v1/vision/detect/", {"image": upload(encoded(photo("astronaut"))), "targets": "face"}, format="multipart"
    )
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (job := Job.objects.get(pk=response.json()["job"]["id"])).status not in Job.TERMINAL:
        assert time.monotonic() < deadline, job.status
        time.sleep(0.2)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.queue == "images" and job.result["counts"] == {"face": 1}
    body = client.get(f"/api/v1/jobs/{job.id}").json()
    output = body["result"]["outputs"][0]
    image = Image.open(io.BytesIO(b"".join(client.get(output["url"]).streaming_content)))
    assert image.size == (512, 512)
