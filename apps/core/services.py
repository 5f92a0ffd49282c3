"""Writes of the core app: the job life cycle and idempotency keys.

Job state moves queued -> running -> succeeded | failed. Every move is a conditional UPDATE on the
current status (a worker that lost the race changes nothing), and each one is announced to the
job's WebSocket group after the transaction commits.
"""

import hashlib
import logging
from datetime import timedelta
from enum import Enum
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .jobs import JobError, get_job_kind
from .models import IdempotencyKey, Job
from .request_context import get_request_id

logger = logging.getLogger(__name__)


# --- Jobs --------------------------------------------------------------------------------------


def job_group(job_id) -> str:
    return f"job.{job_id}"


def job_payload(job: Job) -> dict[str, Any]:
    """The public picture of a job, shared by the REST API, the WebSocket and the pages."""
    return {
        "id": str(job.id),
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "duration_seconds": job.duration_seconds,
        "url": f"/api/v1/jobs/{job.id}",
    }


def watch_key(job_id) -> str:
    return f"job-watched:{job_id}"


def watch_job(*, job_id) -> None:
    """Note that a browser is following the job over its WebSocket (kept while a job can run)."""
    cache.set(watch_key(job_id), 1, timeout=int(settings.JOB_STALL_TIMEOUT.total_seconds()))


def _announce(job_id) -> None:
    """Send the job's new state to its WebSocket group once the change is committed, if anyone
    follows it (one cache read instead of a channel-layer round trip per state change of every
    job; a socket that connects later gets the current state on connect)."""
    if not cache.get(watch_key(job_id)):
        return

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            return
        try:
            async_to_sync(layer.group_send)(job_group(job_id), {"type": "job.update", "job": job_payload(job)})
        except Exception:  # a dead channel layer must not fail the job itself
            logger.warning("Could not announce job %s on the channel layer", job_id, exc_info=True)

    transaction.on_commit(send)


def enqueue_job(*, owner, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Create a queued job and hand it to a worker on its kind's queue after commit."""
    from .tasks import run_job

    job_kind = get_job_kind(kind)
    with transaction.atomic():
        job = Job.objects.create(
            owner=owner,
            kind=kind,
            queue=job_kind.queue,
            params=params or {},
            request_id=get_request_id() or "",
        )
        run_job.apply_async_on_commit(args=[str(job.id)], queue=job_kind.queue)
    return job


def claim_job(*, job_id) -> bool:
    """Move a queued job to running; False when another worker has it or it is finished."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), progress=0, attempts=F("attempts") + 1
    )
    if claimed:
        _announce(job_id)
    return bool(claimed)


def report_progress(*, job_id, progress: int, message: str = "") -> None:
    """Record progress (0-100) of a running job."""
    progress = max(0, min(100, int(progress)))
    if Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(progress=progress, message=message[:255]):
        _announce(job_id)


def complete_job(*, job_id, result: dict[str, Any] | None) -> bool:
    changed = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.SUCCEEDED, progress=100, result=result, error="", finished_at=timezone.now()
    )
    if changed:
        _announce(job_id)
    return bool(changed)


def fail_job(*, job_id, error: str) -> bool:
    changed = Job.objects.filter(pk=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
        status=Job.Status.FAILED, error=error, finished_at=timezone.now()
    )
    if changed:
        _announce(job_id)
    return bool(changed)


def run_job(*, job_id) -> None:
    """Claim the job, run its kind's handler and record the outcome. Safe to call twice."""
    if not claim_job(job_id=job_id):
        logger.info("Job %s is not queued any more; nothing to do", job_id)
        return
    job = Job.objects.get(pk=job_id)
    logger.info("Job %s (%s) started", job.id, job.kind)

    def report(progress: int, message: str = "") -> None:
        report_progress(job_id=job_id, progress=progress, message=message)

    try:
        result = get_job_kind(job.kind).handler(job, report)
    except JobError as exc:
        fail_job(job_id=job_id, error=str(exc))
        logger.info("Job %s failed: %s", job_id, exc)
    except Exception:
        logger.exception("Job %s (%s) crashed", job_id, job.kind)
        fail_job(job_id=job_id, error=f"Internal error while running the job (reference {job_id}).")
    else:
        complete_job(job_id=job_id, result=result)
        logger.info("Job %s succeeded", job_id)


def fail_stalled_jobs() -> int:
    """Fail jobs running for longer than ``JOB_STALL_TIMEOUT`` (their worker died). Returns the count."""
    cutoff = timezone.now() - settings.JOB_STALL_TIMEOUT
    stalled = list(Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=cutoff).values_list("pk", flat=True))
    failed = sum(fail_job(job_id=pk, error="The job stopped responding and was abandoned.") for pk in stalled)
    if failed:
        logger.warning("Marked %d stalled job(s) as failed", failed)
    return failed


# --- Idempotency keys --------------------------------------------------------------------------


class Claim(Enum):
    CLAIMED = "claimed"  # this request owns the key: run the view
    REPLAY = "replay"  # same request done before: answer the stored response
    MISMATCH = "mismatch"  # the key was used for another request: 422
    IN_PROGRESS = "in_progress"  # the same request is running right now: 409


# A claim older than this whose request never finished (a crashed process) may be taken over.
IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = 60


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim_idempotency_key(
    *, scope: str, key: str, fingerprint: str, method: str, path: str
) -> tuple[IdempotencyKey, Claim]:
    """Claim ``key`` for this request, in its own committed transaction."""
    now = timezone.now()
    # Retries are the common case for a known key: one SELECT answers them. A new key is INSERTed;
    # the unique constraint decides between two requests racing with the same new key.
    record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if record is None:
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, method=method, path=path[:512], locked_at=now
                )
            return record, Claim.CLAIMED
        except IntegrityError:
            record = IdempotencyKey.objects.get(scope=scope, key=key)

    if record.fingerprint != fingerprint:
        return record, Claim.MISMATCH
    if record.status == IdempotencyKey.Status.COMPLETED:
        return record, Claim.REPLAY
    abandoned_before = now - timedelta(seconds=IDEMPOTENCY_LOCK_TIMEOUT_SECONDS)
    taken_over = IdempotencyKey.objects.filter(
        pk=record.pk, status=IdempotencyKey.Status.PROCESSING, locked_at__lt=abandoned_before
    ).update(locked_at=now)
    return record, (Claim.CLAIMED if taken_over else Claim.IN_PROGRESS)


def store_idempotent_response(*, record: IdempotencyKey, status: int, body: Any, headers: dict[str, str]) -> None:
    """Save the response to replay; call inside the view's transaction so both commit together."""
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status=IdempotencyKey.Status.COMPLETED,
        response_status=status,
        response_body=body,
        response_headers=headers,
        completed_at=timezone.now(),
    )


def release_idempotency_key(*, record: IdempotencyKey) -> None:
    """Forget a claim whose request failed, so the client may retry with the same key."""
    IdempotencyKey.objects.filter(pk=record.pk, status=IdempotencyKey.Status.PROCESSING).delete()


def forget_idempotency_keys(*, scope: str) -> int:
    """Delete every stored idempotent response of one client (their personal data)."""
    deleted, _ = IdempotencyKey.objects.filter(scope=scope).delete()
    return deleted


def purge_expired_idempotency_keys() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
