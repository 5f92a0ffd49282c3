"""The image page as a person uses it."""

import pytest

from apps.core.models import Job
from apps.vision.models import ImageFile
from tests.vision.conftest import encoded, low_contrast, photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_upload_run_and_see_before_and_after(logged_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post("/vision/", {"image": upload(encoded(low_contrast())), "operation": "enhance"})
    job = Job.objects.get()
    assert response["Location"] == f"/vision/jobs/{job.id}/"
    html = logged_in.get(response["Location"]).content.decode()
    assert 'data-testid="before-image"' in html and 'data-testid="after-image"' in html
    assert 'data-testid="compare"' in html and 'data-testid="enhance-report"' in html
    assert " style=" not in html and "<script>" not in html
    index = logged_in.get("/vision/").content.decode()
    output = ImageFile.objects.get(role="output")
    assert f"/api/v1/vision/files/{output.id}/" in index  # the history thumbnail is the result


def test_detection_and_classification_findings_are_shown(logged_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        detect = logged_in.post(
            "/vision/", {"image": upload(encoded(photo("astronaut"))), "operation": "detect", "targets": ["face"]}
        )
        classify = logged_in.post(
            "/vision/", {"image": upload(encoded(photo("coffee"))), "operation": "classify", "top_k": "3"}
        )
    assert "face" in logged_in.get(detect["Location"]).content.decode()
    assert "espresso" in logged_in.get(classify["Location"]).content.decode()


def test_bad_uploads_are_form_errors(logged_in, settings):
    settings.VISION_MAX_PIXELS = 1000
    response = logged_in.post("/vision/", {"image": upload(b"plain text", "x.jpg"), "operation": "enhance"})
    assert response.status_code == 400 and "image" in response.content.decode().lower()
    response = logged_in.post("/vision/", {"image": upload(encoded(low_contrast(100, 100))), "operation": "enhance"})
    assert response.status_code == 400 and "the limit is 1,000" in response.content.decode()
    response = logged_in.post("/vision/", {"image": upload(encoded(low_contrast(10, 10))), "operation": "resize"})
    assert "Give a width" in response.content.decode()
    assert not ImageFile.objects.exists()


def test_delete_from_the_page_and_owner_only(logged_in, client, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            "/vision/", {"image": upload(encoded(low_contrast(40, 40))), "operation": "thumbnail"}
        )
    job = Job.objects.get()
    client.force_login(other_user)
    assert client.get(response["Location"]).status_code == 404
    assert client.post(f"/vision/jobs/{job.id}/delete/").status_code == 404
    client.force_login(job.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/vision/jobs/{job.id}/delete/")
    assert not Job.objects.exists() and not ImageFile.objects.exists()
