"""The registry of job kinds, and the platform's own ``core.selfcheck`` job.

An app declares a kind in its ``jobs`` module (discovered at start-up)::

    @register_job("vision.enhance", queue="images")
    def enhance(job, report):            # report(progress: int, message: str = "")
        ...
        return {"output": url}           # stored as the job's result

A handler raises ``JobError`` for a failure the user should read; any other exception is logged
and shown as an internal error, without its details.

A kind may declare how many attempts a job gets when its worker dies (``max_attempts``, default
``JOB_MAX_ATTEMPTS``) and a ``cleanup(job)`` that removes what an unfinished attempt left (its
outputs, and so their quota); core calls it before a lost attempt is re-run or failed, and when an
attempt fails::

    @register_job("vision.batch", queue="images", max_attempts=3, cleanup=remove_outputs)
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

Report = Callable[..., None]
Handler = Callable[..., dict[str, Any] | None]
Cleanup = Callable[[Any], None]


class JobError(Exception):
    """A job failure whose message is safe and useful to show to the job's owner."""


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    handler: Handler
    max_attempts: int | None = None  # None: settings.JOB_MAX_ATTEMPTS
    cleanup: Cleanup | None = None

    @property
    def attempt_limit(self) -> int:
        return max(1, self.max_attempts or settings.JOB_MAX_ATTEMPTS)


_registry: dict[str, JobKind] = {}


def register_job(
    name: str, *, queue: str = "default", max_attempts: int | None = None, cleanup: Cleanup | None = None
) -> Callable[[Handler], Handler]:
    if queue not in settings.JOB_QUEUES:
        raise ValueError(f"Unknown queue {queue!r} for job kind {name!r}; known: {settings.JOB_QUEUES}")

    def decorator(handler: Handler) -> Handler:
        _registry[name] = JobKind(name=name, queue=queue, handler=handler, max_attempts=max_attempts, cleanup=cleanup)
        return handler

    return decorator


def get_job_kind(name: str) -> JobKind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No job handler is registered for kind {name!r}") from None


def job_kinds() -> list[str]:
    return sorted(_registry)


@register_job("core.selfcheck", queue="default")
def selfcheck(job, report: Report) -> dict[str, Any]:
    """Check, from inside a worker, that it reaches the database, the cache and the channel layer."""
    from . import health

    checks = {}
    probes = [
        ("database", health.check_database),
        ("cache", health.check_cache),
        ("channel_layer", health.check_channel_layer),
    ]
    for done, (name, probe) in enumerate(probes, start=1):
        checks[name] = probe()
        report(int(done * 100 / len(probes)), f"checked {name}")
    failing = [name for name, check in checks.items() if not check["ok"]]
    if failing:
        raise JobError(f"The worker cannot reach: {', '.join(failing)}")
    return {"checks": checks}
