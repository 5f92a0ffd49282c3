"""The Celery application.

Settings come from Django's settings (the ``CELERY_`` namespace); tasks are discovered in every
installed app's ``tasks`` module. Every task inherits the reliability defaults of ``PlatformTask``.
"""

import os

from celery import Celery, signals
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class PlatformTask(DjangoTask):
    """Base class of every task: acknowledged after the work, retried on transient errors only.

    ``acks_late`` + ``reject_on_worker_lost`` mean a worker killed mid-task gives the message back
    to the broker instead of losing it, so tasks must be idempotent (they are: each one claims its
    job row with a conditional UPDATE before working).
    """

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError)
    max_retries = 5
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True


app = Celery("config", task_cls=PlatformTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect
def _attach_request_id(headers=None, **_kwargs):
    """Carry the current request id in the message so the worker's log lines show it."""
    from apps.core.request_context import get_request_id

    request_id = get_request_id()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


@signals.task_prerun.connect
def _bind_request_id(task=None, **_kwargs):
    from apps.core.request_context import bind_request_id
    from apps.core.tracing import tag_request_id

    request_id = getattr(task.request, "request_id", None) if task else None
    if request_id:
        task.request._request_id_token = bind_request_id(request_id)
        tag_request_id(request_id)


@signals.task_postrun.connect
def _unbind_request_id(task=None, **_kwargs):
    from apps.core.request_context import reset_request_id

    token = getattr(task.request, "_request_id_token", None) if task else None
    if token is not None:
        reset_request_id(token)


@signals.worker_process_init.connect
def _observe_worker_process(**_kwargs):
    """Each pool process traces its tasks when OpenTelemetry is configured."""
    from apps.core.tracing import init_opentelemetry

    init_opentelemetry(worker=True)


@signals.worker_ready.connect
def _serve_worker_metrics(**_kwargs):
    """A worker node with no web process serves the metrics of its processes on METRICS_PORT."""
    from apps.core.metrics import serve_on_port

    serve_on_port()
