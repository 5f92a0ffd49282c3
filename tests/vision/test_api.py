"""The image operations through the API: uploads checked, jobs run, outputs stored and served."""

import io
import zipfile

import numpy as np
import pytest
from django.db.models import Sum
from PIL import Image

from apps.core.models import Job
from apps.vision.models import ImageFile
from tests.vision.conftest import encoded, low_contrast, photo, upload

pytestmark = pytest.mark.django_db
API = "/api/v1/vision/"


@pytest.fixture
def run(auth_client, django_capture_on_commit_callbacks):
    """POST an operation and run its job (eagerly, as a worker would); returns (response, job)."""

    def post(path, data, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.post(f"{API}{path}", data, format="multipart", **headers)
        job = Job.objects.filter(pk=response.json()["job"]["id"]).first() if response.status_code == 202 else None
        return response, job

    return post


def fetch(client, output) -> Image.Image:
    response = client.get(output["url"])
    assert response.status_code == 200 and response["Content-Type"] == output["content_type"]
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_enhance_raises_contrast_and_strips_metadata(auth_client, run):
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x010E] = "Holiday at 51.5N 0.1W"  # ImageDescription
    data = encoded(low_contrast(), exif=exif.tobytes())
    response, job = run("enhance/", {"image": upload(data)})
    assert response.status_code == 202
    assert response.json()["url"] == f"/api/v1/jobs/{job.id}"
    assert job.status == "succeeded", job.error
    report = job.result["report"]
    assert report["after"]["contrast"] > report["before"]["contrast"] * 1.5
    (output,) = job.result["outputs"]
    image = fetch(auth_client, output)
    assert image.size == (640, 480) and image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info
    stored_input = ImageFile.objects.get(job=job, role="input")
    assert not Image.open(stored_input.file.path).getexif()  # the kept input is stripped too


def test_exif_orientation_is_applied(auth_client, run):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    _, job = run("thumbnail/", {"image": upload(encoded(low_contrast(400, 200), exif=exif.tobytes()))})
    (output,) = job.result["outputs"]
    # 400×200 shown rotated is 200×400; a 256 thumbnail of it is 128×256.
    assert (output["width"], output["height"]) == (128, 256)
    assert fetch(auth_client, output).size == (128, 256)


def test_resize_exact_and_fit(auth_client, run):
    image = upload(encoded(photo("coffee"), "PNG"), "coffee.png", "image/png")
    _, job = run("resize/", {"image": image, "width": "300", "mode": "fit", "format": "webp"})
    (output,) = job.result["outputs"]
    assert (output["width"], output["height"], output["content_type"]) == (300, 200, "image/webp")
    image = upload(encoded(photo("coffee"), "PNG"), "coffee.png", "image/png")
    _, job = run("resize/", {"image": image, "width": "120", "height": "50", "mode": "exact"})
    assert fetch(auth_client, job.result["outputs"][0]).size == (120, 50)


def test_detect_finds_the_astronauts_face(auth_client, run):
    _, job = run("detect/", {"image": upload(encoded(photo("astronaut"))), "targets": "face,eye"})
    assert job.status == "succeeded", job.error
    faces = [b for b in job.result["boxes"] if b["label"] == "face"]
    assert len(faces) == 1
    x, y, w, _ = faces[0]["box"]
    assert 150 < x < 220 and 40 < y < 110 and 70 < w < 120  # where Eileen Collins's face is
    assert job.result["counts"]["face"] == 1 and 0 < faces[0]["confidence"] <= 1
    annotated = np.asarray(fetch(auth_client, job.result["outputs"][0]))
    assert annotated.shape == (512, 512, 3)


def test_style_transfer_moves_colours_towards_the_style(auth_client, run):
    content = photo("astronaut")
    style = np.zeros((64, 64, 3), np.uint8)
    style[...] = (30, 60, 200)  # deep blue
    style[::2] += 20
    _, job = run(
        "style-transfer/",
        {
            "image": upload(encoded(content, "PNG"), "a.png"),
            "style": upload(encoded(style, "PNG"), "s.png"),
            "method": "color_transfer",
        },
    )
    assert job.status == "succeeded", job.error
    out = np.asarray(fetch(auth_client, job.result["outputs"][0])).reshape(-1, 3).mean(0)
    assert out[2] > content.reshape(-1, 3).mean(0)[2] + 40  # far bluer
    for method in ("stylization", "pencil_sketch", "cartoon"):
        _, job = run("style-transfer/", {"image": upload(encoded(content), "a.jpg"), "method": method})
        assert job.status == "succeeded" and job.result["method"] == method


def test_classify_with_the_bundled_imagenet_model(run):
    _, job = run("classify/", {"image": upload(encoded(photo("coffee"))), "top_k": "3"})
    assert job.status == "succeeded", job.error
    assert job.result["labels"][0]["label"] == "espresso"
    assert job.result["labels"][0]["score"] > 0.5 and "efficientnet-lite0" in job.result["model"]
    _, job = run("classify/", {"image": upload(encoded(photo("chelsea")))})
    assert any("cat" in label["label"] or label["label"] == "Egyptian Mau" for label in job.result["labels"][:3])


def test_batch_of_files_and_of_a_zip(auth_client, run):
    files = [upload(encoded(low_contrast(80 + n * 10, 60)), f"img{n}.jpg") for n in range(3)]
    files.append(upload(b"not an image", "broken.jpg"))
    response, _ = run("batch/", {"operation": "thumbnail", "images": files, "width": "32"})
    assert response.status_code == 400 and "broken.jpg" in str(response.json()["error"]["fields"]["images"])
    assert not ImageFile.objects.exists()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(3):
            archive.writestr(f"folder/img{n}.png", encoded(low_contrast(100, 50 + n), "PNG"))
        archive.writestr("notes.txt", "ignored")
    buffer.seek(0)
    response, job = run(
        "batch/",
        {"operation": "resize", "width": "50", "archive": upload(buffer.read(), "photos.zip", "application/zip")},
    )
    assert response.status_code == 202 and job.status == "succeeded", job.error
    assert job.result["succeeded"] == 3 and [i["status"] for i in job.result["images"]] == ["succeeded"] * 3
    archive = zipfile.ZipFile(io.BytesIO(b"".join(auth_client.get(job.result["archive"]["url"]).streaming_content)))
    assert sorted(archive.namelist()) == ["img0-50x25.png", "img1-50x26.png", "img2-50x26.png"]


@pytest.mark.parametrize(
    ("files", "data", "status", "field", "message"),
    [
        ({}, {}, 400, "image", "Attach the image"),
        ({"image": ("notes.jpg", b"hello, not a picture")}, {}, 400, "image", "not a readable"),
        ({"image": ("anim.gif", "GIF")}, {}, 400, "image", "GIF images are not accepted"),
        ({"image": ("cut.jpg", "TRUNCATED")}, {}, 400, "image", "not a readable"),
        ({"image": ("huge.png", "MANY_PIXELS")}, {}, 413, "image", "the limit is"),
        ({"image": ("big.jpg", "BIG")}, {}, 413, "image", "the limit is"),
        ({"image": ("a.jpg", "OK")}, {"width": "0"}, 400, "width", ""),
        ({"image": ("a.jpg", "OK")}, {"mode": "exact", "width": "10"}, 400, "mode", "both"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    auth_client, settings, media, files, data, status, field, message
):
    settings.VISION_MAX_UPLOAD_BYTES = 200_000
    settings.VISION_MAX_PIXELS = 5_000_000
    made = {
        "GIF": lambda: encoded(low_contrast(20, 20), "GIF"),
        "TRUNCATED": lambda: encoded(photo("coffee"))[:5000],
        "MANY_PIXELS": lambda: encoded(np.zeros((3000, 2000, 3), np.uint8), "PNG"),  # 6 MP, tiny file
        "BIG": lambda: encoded(np.random.default_rng(1).integers(0, 255, (600, 600, 3), dtype=np.uint8), "PNG"),
        "OK": lambda: encoded(low_contrast(50, 50)),
    }
    body = {**data}
    for key, (name, content) in files.items():
        body[key] = upload(made[content]() if isinstance(content, str) else content, name)
    response = auth_client.post(f"{API}{'resize' if data else 'thumbnail'}/", body, format="multipart")
    assert response.status_code == status, response.json()
    assert field in response.json()["error"]["fields"]
    assert message in str(response.json())
    assert not ImageFile.objects.exists() and not Job.objects.exists()
    assert not any(media.rglob("*.*")) if media.exists() else True


def test_quota(auth_client, settings, run):
    settings.VISION_QUOTA_BYTES = 30_000
    response, _ = run("thumbnail/", {"image": upload(encoded(low_contrast(120, 80)))})
    assert response.status_code == 202
    response, _ = run("thumbnail/", {"image": upload(encoded(photo("astronaut")))})
    assert response.status_code == 413 and response.json()["error"]["code"] == "quota_exceeded"
    assert auth_client.get(f"{API}usage/").json()["quota_bytes"] == 30_000


def test_models_that_are_not_configured_answer_503(auth_client, settings):
    settings.VISION_CLASSIFIER_MODEL = "/no/such/model.onnx"
    response = auth_client.post(f"{API}classify/", {"image": upload(encoded(low_contrast(40, 40)))}, format="multipart")
    assert response.status_code == 503 and "VISION_CLASSIFIER_MODEL" in response.json()["error"]["message"]
    response = auth_client.post(
        f"{API}style-transfer/",
        {"image": upload(encoded(low_contrast(40, 40))), "method": "neural"},
        format="multipart",
    )
    assert response.status_code == 503 and "VISION_STYLE_MODEL" in response.json()["error"]["message"]
    assert not ImageFile.objects.exists()


def test_owner_only_history_and_deleting_a_job_removes_its_files(auth_client, run, other_user, media):
    from rest_framework.test import APIClient

    _, job = run("enhance/", {"image": upload(encoded(low_contrast(60, 40)))})
    listing = auth_client.get(f"{API}jobs/").json()
    assert [j["id"] for j in listing["results"]] == [str(job.id)]
    assert {f["role"] for f in listing["results"][0]["files"]} == {"input", "output"}
    output = job.result["outputs"][0]
    intruder = APIClient()
    intruder.force_authenticate(other_user)
    assert intruder.get(output["url"]).status_code == 404
    assert intruder.get(f"{API}jobs/{job.id}/").status_code == 404
    assert intruder.delete(f"{API}jobs/{job.id}/").status_code == 404
    assert intruder.get(f"/api/v1/jobs/{job.id}").status_code == 404
    paths = [f.file.path for f in ImageFile.objects.filter(job=job)]
    assert all(__import__("os").path.exists(p) for p in paths)
    download = auth_client.get(output["url"] + "?download=1")
    assert "attachment" in download["Content-Disposition"]
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert auth_client.delete(f"{API}jobs/{job.id}/").status_code == 204
    assert not ImageFile.objects.exists()
    assert not any(__import__("os").path.exists(p) for p in paths)


def test_idempotency_key_starts_one_job(auth_client):
    data = encoded(low_contrast(30, 30))
    first = auth_client.post(
        f"{API}enhance/", {"image": upload(data)}, format="multipart", HTTP_IDEMPOTENCY_KEY="img-1"
    )
    again = auth_client.post(
        f"{API}enhance/", {"image": upload(data)}, format="multipart", HTTP_IDEMPOTENCY_KEY="img-1"
    )
    assert first.status_code == again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


def test_a_rerun_replaces_the_outputs_of_an_interrupted_attempt(run):
    from apps.core import services as core_services

    _, job = run("enhance/", {"image": upload(encoded(low_contrast(60, 40)))})
    first_outputs = set(ImageFile.objects.filter(job=job, role="output").values_list("id", flat=True))
    Job.objects.filter(pk=job.pk).update(status="queued")  # as if the message were redelivered
    core_services.run_job(job_id=job.pk)
    outputs = set(ImageFile.objects.filter(job=job, role="output").values_list("id", flat=True))
    assert len(outputs) == 1 and outputs.isdisjoint(first_outputs)


def test_a_lost_last_attempt_fails_with_the_reason_and_gives_its_outputs_quota_back(run, user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core import services as core_services
    from apps.vision import services as vision_services

    _, job = run("enhance/", {"image": upload(encoded(low_contrast(60, 40)))})
    inputs_only = ImageFile.objects.filter(job=job).exclude(role="output").aggregate(n=Sum("bytes"))["n"]
    assert vision_services.used_bytes(user) > inputs_only  # the outputs count against the quota
    # As if its worker died mid-way through the last attempt it is allowed.
    Job.objects.filter(pk=job.pk).update(
        status="running",
        attempts=settings.JOB_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1),
    )
    assert core_services.recover_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "no heartbeat" in job.error
    assert not ImageFile.objects.filter(job=job, role__in=["output", "archive"]).exists()
    assert vision_services.used_bytes(user) == inputs_only
