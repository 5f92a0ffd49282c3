"""Job kinds of the vision app (the ``images`` queue). Each reads its inputs from storage, runs one
``engine`` operation and stores the outputs. A re-run (a worker died mid-job and the message was
redelivered) first removes whatever outputs the earlier attempt left, so a job's outputs are only
ever those of one complete run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.urls import reverse

from apps.core.errors import PayloadTooLarge
from apps.core.jobs import JobError, register_job
from apps.core.metrics import model_inference

from . import services
from .engine import classify, detect, enhance, images, style
from .models import ImageFile

DEFAULT_TARGETS = ["face", "eye", "person"]


def file_payload(row: ImageFile) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "role": row.role,
        "url": reverse("api:vision:file", kwargs={"file_id": row.id}),
        "content_type": row.content_type,
        "width": row.width,
        "height": row.height,
        "bytes": row.bytes,
    }


FORMAT_OF = {v: k for k, v in images.FORMATS.items()}


def _load(job, file_id: str) -> tuple[ImageFile, np.ndarray]:
    row = ImageFile.objects.get(pk=file_id, owner_id=job.owner_id)
    with row.file.open("rb") as handle:
        try:
            return row, images.load(handle.read())  # checked on upload, kept oriented and bare
        except images.ImageRejected as exc:
            raise JobError(f"{row.name}: {exc}") from exc


def remove_outputs(job) -> None:
    """Remove what an unfinished attempt stored (outputs and archive; the files go once the deletion
    commits), which gives their bytes back to the owner's quota. Core calls it when an attempt is
    lost or fails."""
    for row in ImageFile.objects.filter(job=job, role__in=[ImageFile.Role.OUTPUT, ImageFile.Role.ARCHIVE]):
        row.delete()


def _fresh_start(job) -> None:
    if job.attempts > 1:  # an earlier attempt may have left outputs (core normally removed them)
        remove_outputs(job)


def _store(job, name: str, pixels, fmt: str) -> ImageFile:
    try:
        services.check_quota(job.owner, pixels.nbytes // 4)  # an estimate of the encoded size
        return services.store_image(
            owner=job.owner, job=job, role=ImageFile.Role.OUTPUT, name=name, pixels=pixels, fmt=fmt
        )
    except PayloadTooLarge as exc:
        raise JobError(str(exc.detail)) from exc


def run_operation(job, operation: str, source: ImageFile, decoded, options: dict) -> dict:
    """One operation on one decoded input (BGR/BGRA pixels): its outputs (stored) and findings."""
    pixels = images.bgr(decoded)
    fmt = (options.get("format") or FORMAT_OF[source.content_type]).upper()
    stem = source.name.rsplit(".", 1)[0]
    outputs, findings = [], {}
    if operation == "enhance":
        manual = {
            k: options[k]
            for k in ("white_balance", "denoise", "levels", "clahe", "sharpen", "brightness", "contrast", "saturation")
            if k in options
        }
        result, findings["report"] = enhance.enhance(pixels, manual)
        outputs.append(_store(job, f"{stem}-enhanced", result, fmt))
    elif operation in ("resize", "thumbnail"):
        mode = "thumbnail" if operation == "thumbnail" else options.get("mode", "fit")
        width, height = options.get("width"), options.get("height")
        if operation == "thumbnail" and not (width or height):
            width = height = 256
        try:
            result = enhance.resize(decoded, width=width, height=height, mode=mode)
        except ValueError as exc:
            raise JobError(str(exc)) from exc
        outputs.append(_store(job, f"{stem}-{result.shape[1]}x{result.shape[0]}", result, fmt))
    elif operation == "detect":
        targets = options.get("targets") or DEFAULT_TARGETS
        with model_inference("yolo" if settings.VISION_YOLO_MODEL else "opencv-detectors"):
            boxes = detect.detect(pixels, targets=targets, model_path=settings.VISION_YOLO_MODEL)
        findings["boxes"] = boxes
        findings["counts"] = {
            label: sum(b["label"] == label for b in boxes) for label in sorted({b["label"] for b in boxes})
        }
        findings["detectors"] = targets + (["yolo"] if settings.VISION_YOLO_MODEL else [])
        outputs.append(_store(job, f"{stem}-detected", detect.annotate(pixels, boxes), fmt))
    elif operation == "style_transfer":
        method = options.get("method") or ("color_transfer" if job.params.get("style") else "stylization")
        style_pixels = None
        if job.params.get("style"):
            style_pixels = images.bgr(_load(job, job.params["style"])[1])
        try:
            result = style.transfer(pixels, method=method, style=style_pixels, model_path=settings.VISION_STYLE_MODEL)
        except ValueError as exc:
            raise JobError(str(exc)) from exc
        findings["method"] = method
        outputs.append(_store(job, f"{stem}-{method}", result, fmt))
    elif operation == "classify":
        try:
            with model_inference(classify.model_name(settings.VISION_CLASSIFIER_MODEL)):
                findings["labels"] = classify.classify(
                    pixels, top_k=int(options.get("top_k", 5)), onnx_path=settings.VISION_CLASSIFIER_MODEL
                )
        except classify.ClassifierUnavailable as exc:
            raise JobError(f"{exc} {services.CLASSIFIER_HELP}") from exc
        findings["model"] = classify.model_name(settings.VISION_CLASSIFIER_MODEL)
    else:
        raise JobError(f"Unknown operation {operation!r}.")
    return {"outputs": [file_payload(o) for o in outputs], **findings}


def _single(job, report) -> dict:
    _fresh_start(job)
    source, decoded = _load(job, job.params["inputs"][0])
    result = run_operation(job, job.params["operation"], source, decoded, job.params.get("options") or {})
    return {"operation": job.params["operation"], "input": file_payload(source), **result}


for _operation in services.OPERATIONS:
    register_job(f"vision.{_operation}", queue="images", cleanup=remove_outputs)(_single)


def _batch_item(job, file_id: str, operation: str, options: dict) -> dict:
    source = ImageFile.objects.filter(pk=file_id, owner_id=job.owner_id).first()
    if source is None:
        return {"name": file_id, "status": "failed", "error": "The input is gone."}
    try:
        _, decoded = _load(job, file_id)
        result = run_operation(job, operation, source, decoded, options)
    except JobError as exc:
        return {"name": source.name, "status": "failed", "error": str(exc)}
    return {"name": source.name, "status": "succeeded", "input": file_payload(source), **result}


def _batch_item_in_thread(*args) -> dict:
    """``_batch_item`` in a pool thread (OpenCV releases the GIL while it works)."""
    try:
        return _batch_item(*args)
    finally:
        connection.close()  # the thread's own database connection


@register_job("vision.batch", queue="images", cleanup=remove_outputs)
def run_batch(job, report) -> dict:
    """One operation over many images, ``VISION_BATCH_THREADS`` at a time: per-image status, and a
    zip of every output (in input order)."""
    _fresh_start(job)
    operation, options = job.params["operation"], job.params.get("options") or {}
    inputs = job.params["inputs"]
    total, done = len(inputs), 0
    items: list[dict | None] = [None] * total

    def finished(n: int, item: dict) -> None:
        nonlocal done
        items[n], done = item, done + 1
        if done == total or done % max(1, total // 20) == 0:
            report(int(90 * done / total), f"{done} of {total} images")

    threads = min(settings.VISION_BATCH_THREADS, total)
    if threads <= 1:
        for n, file_id in enumerate(inputs):
            finished(n, _batch_item(job, file_id, operation, options))
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = {pool.submit(_batch_item_in_thread, job, f, operation, options): n for n, f in enumerate(inputs)}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    produced = [o["id"] for item in items if item["status"] == "succeeded" for o in item["outputs"]]
    archive = None
    if produced:
        rows = list(ImageFile.objects.filter(pk__in=produced))
        rows.sort(key=lambda r: produced.index(str(r.id)))
        archive = file_payload(services.outputs_archive(owner=job.owner, job=job, rows=rows))
    succeeded = sum(i["status"] == "succeeded" for i in items)
    if not succeeded:
        raise JobError(f"Every image failed; the first: {items[0]['error']}")
    return {
        "operation": operation,
        "images": items,
        "succeeded": succeeded,
        "failed": total - succeeded,
        "archive": archive,
    }
