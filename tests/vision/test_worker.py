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


def test_a_worker_runs_a_batch_two_images_at_a_time(celery_worker, user, settings):  # noqa: F811
    import zipfile

    from tests.vision.conftest import low_contrast

    settings.VISION_BATCH_THREADS = 2
    client = APIClient()
    client.force_authenticate(user)
    files = [upload(encoded(low_contrast(200 + n, 100)), f"img{n}.jpg") for n in range(6)]
    response = client.post("/api/v1/vision/batch/", {"operation": "enhance", "images": files}, format="multipart")
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (job := Job.objects.get(pk=response.json()["job"]["id"])).status not in Job.TERMINAL:
        assert time.monotonic() < deadline, job.status
        time.sleep(0.2)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert [i["name"] for i in job.result["images"]] == [f"img{n}.jpg" for n in range(6)]  # input order kept
    assert all(i["report"]["after"]["contrast"] > i["report"]["before"]["contrast"] for i in job.result["images"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(job.result["archive"]["url"]).streaming_content)))
    assert archive.namelist() == [f"img{n}-enhanced.jpg" for n in range(6)]
