"""Celery tasks of the core app: each one line of work delegating to a service."""

from celery import shared_task

from . import services


@shared_task(bind=True)
def run_job(self, job_id: str) -> None:
    # In a real worker the attempt holds a lease; run eagerly, it lives and dies with its caller.
    services.run_job(job_id=job_id, lease=not self.request.is_eager)


@shared_task
def recover_jobs() -> dict[str, int]:
    return services.recover_jobs()


@shared_task
def purge_expired_idempotency_keys() -> int:
    return services.purge_expired_idempotency_keys()
