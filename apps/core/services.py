"""Writes of the core app: the job life cycle and idempotency keys.

Job state moves queued -> running -> succeeded | failed. Every move is a conditional UPDATE on the
current status (a worker that lost the race changes nothing), and each one is announced to the
job's WebSocket group after the transaction commits.

Jobs own their attempts. Each claim starts attempt ``attempts + 1`` and records its process
(``worker``); in a real worker the attempt holds a lease (``heartbeat_at``) renewed every
``JOB_HEARTBEAT_SECONDS``. An attempt is lost when its lease is older than ``JOB_LEASE_SECONDS`` or
its process is gone; then its outputs are removed (the kind's ``cleanup``) and the job is queued
again, or failed with the reason once the kind's attempts are spent. Two paths find lost attempts:
the message Celery redelivers when a pool process dies (``run_job`` resumes the job), and the sweep
``recover_jobs`` (a whole worker node gone), which also re-publishes queued jobs whose message the
broker lost. Every write of an attempt is fenced by its number, so a worker that was only paused
cannot overwrite the attempt that replaced it.
"""

import contextlib
import hashlib
import logging
import os
import socket
import threading
from datetime import timedelta
from enum import Enum
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .dependencies import LABELS, DependencyUnavailable, unavailable_dependency
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
        "attempts": job.attempts,
        "max_attempts": _attempt_limit(job),
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


def _publish(job_id, queue: str) -> None:
    from .tasks import run_job

    run_job.apply_async(args=[str(job_id)], queue=queue)


def enqueue_job(*, owner, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Create a queued job and hand it to a worker on its kind's queue after commit.

    When the broker cannot take the message, the job is failed with that reason and the request
    answers 503 (``DependencyUnavailable``): the client retries instead of waiting for a job
    nobody will run.
    """
    job_kind = get_job_kind(kind)
    with transaction.atomic():
        job = Job.objects.create(
            owner=owner,
            kind=kind,
            queue=job_kind.queue,
            params=params or {},
            request_id=get_request_id() or "",
            queued_at=timezone.now(),
        )

        def publish() -> None:
            try:
                _publish(job.id, job_kind.queue)
            except Exception as exc:
                if unavailable_dependency(exc) is None:
                    raise
                fail_job(job_id=job.id, error="The task broker was unavailable, so the job never started; retry.")
                raise DependencyUnavailable("broker") from exc

        transaction.on_commit(publish)
    return job


def worker_identity() -> str:
    """``host:pid`` of this process, recorded on the attempt it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_job(*, job_id, worker: str = "", lease: bool = False) -> bool:
    """Move a queued job to running as a new attempt; False when another worker has it or it is
    finished. With ``lease`` the attempt holds a lease its worker must renew (``JobHeartbeat``)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now if lease else None,
        worker=worker[:255],
        progress=0,
        attempts=F("attempts") + 1,
    )
    if claimed:
        _announce(job_id)
    return bool(claimed)


class AttemptSuperseded(Exception):
    """The attempt running this code was declared lost and the job moved on without it."""


def report_progress(*, job_id, progress: int, message: str = "", attempt: int | None = None) -> None:
    """Record progress (0-100) of a running job. Given the ``attempt`` that reports, raises
    ``AttemptSuperseded`` when that attempt is no longer the job's (it was declared lost)."""
    progress = max(0, min(100, int(progress)))
    running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    if attempt is not None:
        running = running.filter(attempts=attempt)
    if running.update(progress=progress, message=message[:255]):
        _announce(job_id)
    elif attempt is not None:
        raise AttemptSuperseded(f"job {job_id}: attempt {attempt} is no longer running")


def complete_job(*, job_id, result: dict[str, Any] | None, attempt: int | None = None) -> bool:
    running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    if attempt is not None:
        running = running.filter(attempts=attempt)
    changed = running.update(
        status=Job.Status.SUCCEEDED,
        progress=100,
        result=result,
        error="",
        finished_at=timezone.now(),
        heartbeat_at=None,
    )
    if changed:
        _announce(job_id)
    return bool(changed)


def fail_job(*, job_id, error: str, attempt: int | None = None) -> bool:
    """Fail a queued or running job (only while ``attempt`` is its current one, when given), after
    its kind's cleanup removed what the attempt left."""
    with transaction.atomic():
        pending = Job.objects.select_for_update().filter(pk=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        if attempt is not None:
            pending = pending.filter(attempts=attempt)
        job = pending.first()
        if job is None:
            return False
        if job.status == Job.Status.RUNNING:
            _clean_up_attempt(job)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=error, finished_at=timezone.now(), heartbeat_at=None
        )
        _announce(job_id)
    return True


def _clean_up_attempt(job: Job) -> None:
    """Remove what an unfinished attempt left (its kind's ``cleanup``): outputs and their quota."""
    try:
        cleanup = get_job_kind(job.kind).cleanup
    except LookupError:
        return
    if cleanup is not None:
        cleanup(job)


def _attempt_limit(job: Job) -> int:
    try:
        return get_job_kind(job.kind).attempt_limit
    except LookupError:
        return 1


def release_lost_attempt(*, job_id, attempt: int, reason: str, republish: bool) -> str | None:
    """The worker running ``attempt`` is gone: remove the attempt's outputs and queue the job again
    (published again after commit when ``republish``), or fail it with the reason once its kind's
    attempts are spent. Returns ``"requeued"``, ``"failed"``, or None when the attempt was not the
    job's running one any more (someone else handled it)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=Job.Status.RUNNING, attempts=attempt).first()
        if job is None:
            return None
        _clean_up_attempt(job)
        limit = _attempt_limit(job)
        now = timezone.now()
        if attempt >= limit:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED,
                error=f"The worker running this job stopped ({reason}) on each of its {limit} attempt(s); "
                "it was given up.",
                finished_at=now,
                heartbeat_at=None,
            )
            outcome = "failed"
        else:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.QUEUED,
                progress=0,
                message=f"Attempt {attempt} of {limit} was lost ({reason}); queued again.",
                queued_at=now,
                heartbeat_at=None,
                worker="",
            )
            outcome = "requeued"
            if republish:
                transaction.on_commit(lambda: _publish(job.id, job.queue))
        _announce(job_id)
    logger.warning("Job %s: attempt %d lost (%s): %s", job_id, attempt, reason, outcome)
    return outcome


def _pid_is_gone(worker: str) -> bool:
    """Whether ``worker`` (``host:pid``) names a process of this host that no longer exists."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lost_reason(job: Job, *, now=None) -> str | None:
    """Why the running attempt of ``job`` is lost, or None while it may still be alive: its lease
    expired, its process (on this host) is gone, or it ran without a lease past the stall timeout."""
    now = now or timezone.now()
    if job.status != Job.Status.RUNNING:
        return None
    if job.heartbeat_at is not None:
        if job.heartbeat_at < now - timedelta(seconds=settings.JOB_LEASE_SECONDS):
            return f"no heartbeat for {int((now - job.heartbeat_at).total_seconds())} s"
        if job.worker and _pid_is_gone(job.worker):
            return "its worker process died"
        return None
    if job.started_at and job.started_at < now - settings.JOB_STALL_TIMEOUT:
        return "it stopped responding"
    return None


class JobHeartbeat:
    """Renews the lease of a running attempt every ``JOB_HEARTBEAT_SECONDS`` from a thread (with its
    own database connection) while the handler works; a failed renewal (database down) is retried
    at the next beat."""

    def __init__(self, *, job_id, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING, attempts=self.attempt).update(
                    heartbeat_at=timezone.now()
                )
            except Exception:
                logger.warning("Job %s: could not renew its lease", self.job_id, exc_info=True)
            finally:
                connection.close()

    def __enter__(self) -> "JobHeartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=settings.JOB_HEARTBEAT_SECONDS + 5)


def run_job(*, job_id, lease: bool = False) -> None:
    """Claim the job, run its kind's handler and record the outcome. Safe to call twice.

    A redelivered message whose job is "running" resumes it when that attempt is lost (its lease
    expired or its process is gone): the attempt is released (outputs removed) and claimed anew.
    With ``lease`` (a real worker), the attempt renews its lease while it runs.
    """
    worker = worker_identity() if lease else ""
    if not claim_job(job_id=job_id, worker=worker, lease=lease):
        job = Job.objects.filter(pk=job_id).first()
        reason = lost_reason(job) if job is not None else None
        if (
            reason is None
            or release_lost_attempt(job_id=job_id, attempt=job.attempts, reason=reason, republish=False) != "requeued"
            or not claim_job(job_id=job_id, worker=worker, lease=lease)
        ):
            logger.info("Job %s is not queued any more; nothing to do", job_id)
            return
    job = Job.objects.get(pk=job_id)
    attempt = job.attempts
    logger.info("Job %s (%s) started, attempt %d", job.id, job.kind, attempt)

    def report(progress: int, message: str = "") -> None:
        report_progress(job_id=job_id, progress=progress, message=message, attempt=attempt)

    with JobHeartbeat(job_id=job_id, attempt=attempt) if lease else contextlib.nullcontext():
        try:
            result = get_job_kind(job.kind).handler(job, report)
        except AttemptSuperseded:
            logger.warning("Job %s: attempt %d was declared lost while it ran; its work is dropped", job_id, attempt)
        except JobError as exc:
            fail_job(job_id=job_id, error=str(exc), attempt=attempt)
            logger.info("Job %s failed: %s", job_id, exc)
        except Exception as exc:
            dependency = unavailable_dependency(exc)
            logger.exception("Job %s (%s) crashed", job_id, job.kind)
            error = (
                f"{LABELS[dependency]} was unavailable while the job ran (reference {job_id}); retry."
                if dependency
                else f"Internal error while running the job (reference {job_id})."
            )
            fail_job(job_id=job_id, error=error, attempt=attempt)
        else:
            if complete_job(job_id=job_id, result=result, attempt=attempt):
                logger.info("Job %s succeeded", job_id)
            else:
                logger.warning("Job %s: attempt %d finished after it was declared lost; dropped", job_id, attempt)


def _queued_messages(queue: str) -> int | None:
    """Messages waiting in the broker's ``queue``; None without a broker (eager) or when it cannot
    be asked (down: nothing to re-publish to either)."""
    from celery import current_app

    if current_app.conf.task_always_eager or str(current_app.conf.broker_url).startswith("memory://"):
        return None
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            try:
                return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
            except conn.channel_errors:  # the queue is not declared (a broker that lost its state)
                return 0
    except Exception as exc:
        if unavailable_dependency(exc) is None:
            raise
        logger.warning("The job sweep cannot reach the broker: %s", exc)
        return None


def recover_jobs(*, now=None) -> dict[str, int]:
    """The job sweep (beat, every ``JOB_SWEEP_SECONDS``): re-queue or fail running attempts whose
    lease expired (their worker died) or that ran without a lease past ``JOB_STALL_TIMEOUT``, and
    re-publish jobs queued for ``JOB_REPUBLISH_SECONDS`` while their broker queue is empty (the
    message was lost, e.g. a broker restarted without persistence)."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "republished": 0}
    lease_cutoff = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    suspects = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=lease_cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=now - settings.JOB_STALL_TIMEOUT)
    )
    for job in suspects:
        reason = lost_reason(job, now=now)
        if reason:
            outcome = release_lost_attempt(job_id=job.pk, attempt=job.attempts, reason=reason, republish=True)
            if outcome:
                counts[outcome] += 1

    republish_cutoff = now - timedelta(seconds=settings.JOB_REPUBLISH_SECONDS)
    waiting = Job.objects.filter(status=Job.Status.QUEUED).filter(
        Q(queued_at__lt=republish_cutoff) | Q(queued_at__isnull=True, created_at__lt=republish_cutoff)
    )
    for queue in waiting.values_list("queue", flat=True).distinct():
        if _queued_messages(queue) != 0:  # messages still wait (a backlog), or the broker is not there
            continue
        for job_id, queued_at in waiting.filter(queue=queue).values_list("pk", "queued_at"):
            # Only the sweep that moves queued_at publishes: two sweeps never double a message.
            if Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, queued_at=queued_at).update(queued_at=now):
                _publish(job_id, queue)
                counts["republished"] += 1
    if any(counts.values()):
        logger.warning("Job sweep: %s", counts)
    return counts


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
