"""The registry of job kinds, and the platform's own ``core.selfcheck`` job.

An app declares a kind in its ``jobs`` module (discovered at start-up)::

    @register_job("vision.enhance", queue="images")
    def enhance(job, report):            # report(progress: int, message: str = "")
        ...
        return {"output": url}           # stored as the job's result

A handler raises ``JobError`` for a failure the user should read; any other exception is logged
and shown as an internal error, without its details.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

Report = Callable[..., None]
Handler = Callable[..., dict[str, Any] | None]


class JobError(Exception):
    """A job failure whose message is safe and useful to show to the job's owner."""


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    handler: Handler


_registry: dict[str, JobKind] = {}


def register_job(name: str, *, queue: str = "default") -> Callable[[Handler], Handler]:
    if queue not in settings.JOB_QUEUES:
        raise ValueError(f"Unknown queue {queue!r} for job kind {name!r}; known: {settings.JOB_QUEUES}")

    def decorator(handler: Handler) -> Handler:
        _registry[name] = JobKind(name=name, queue=queue, handler=handler)
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
