"""Celery tasks of the core app: each one line of work delegating to a service."""

from celery import shared_task

from . import services


@shared_task
def run_job(job_id: str) -> None:
    services.run_job(job_id=job_id)


@shared_task
def fail_stalled_jobs() -> int:
    return services.fail_stalled_jobs()


@shared_task
def purge_expired_idempotency_keys() -> int:
    return services.purge_expired_idempotency_keys()
