"""Health endpoints for load balancers and orchestrators (plain Django views: no auth, no throttle).

- ``/health``: the process answers, with version and time.
- ``/health/live``: the process is up (never touches a dependency).
- ``/health/ready`` and ``/api/health``: database, cache, broker and channel layer each checked;
  503 naming every failing part.
"""

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from .errors import error_body

CHECK_TIMEOUT_SECONDS = 2.0


def _timed(probe: Callable[[], str | None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe()
        outcome: dict[str, Any] = {"ok": True}
        if detail:
            outcome["detail"] = detail
    except Exception as exc:  # any failure of a dependency is a failed check, with its reason
        outcome = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def check_database() -> dict[str, Any]:
    def probe() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return connection.vendor

    return _timed(probe)


def check_cache() -> dict[str, Any]:
    def probe() -> str:
        key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
        cache.set(key, value, timeout=10)
        if cache.get(key) != value:
            raise RuntimeError("value written was not read back")
        cache.delete(key)
        return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]

    return _timed(probe)


def check_broker() -> dict[str, Any]:
    def probe() -> str:
        url = settings.CELERY_BROKER_URL
        if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
            return "no broker: tasks run in-process (eager)"
        with Connection(
            url,
            connect_timeout=CHECK_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
                "socket_timeout": CHECK_TIMEOUT_SECONDS,
            },
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_TIMEOUT_SECONDS)
            return url.split("://", 1)[0]

    return _timed(probe)


def check_channel_layer() -> dict[str, Any]:
    def probe() -> str:
        layer = get_channel_layer()
        if layer is None:
            raise RuntimeError("CHANNEL_LAYERS is not configured")

        async def round_trip() -> None:
            channel = await layer.new_channel()
            await layer.send(channel, {"type": "health.ping"})
            message = await layer.receive(channel)
            if message.get("type") != "health.ping":
                raise RuntimeError("unexpected message on the channel layer")

        async def bounded() -> None:
            await asyncio.wait_for(round_trip(), timeout=CHECK_TIMEOUT_SECONDS)

        async_to_sync(bounded)()
        return type(layer).__name__

    return _timed(probe)


READINESS_CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "channel_layer": check_channel_layer,
}

CHECK_LABELS = {"database": "Database", "cache": "Cache", "broker": "Task broker", "channel_layer": "Channel layer"}


def readiness_report() -> tuple[bool, dict[str, Any]]:
    checks = {name: check() for name, check in READINESS_CHECKS.items()}
    failing = [name for name, outcome in checks.items() if not outcome["ok"]]
    report: dict[str, Any] = {
        "status": "fail" if failing else "ok",
        "version": settings.APP_VERSION,
        "time": timezone.now().isoformat(),
        "checks": checks,
    }
    if failing:
        report["failing"] = failing
        report.update(error_body("unavailable", f"Not ready: {', '.join(failing)} unavailable."))
    return not failing, report


@never_cache
@require_GET
def health(request):
    return JsonResponse({"status": "ok", "version": settings.APP_VERSION, "time": timezone.now().isoformat()})


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    ok, report = readiness_report()
    return JsonResponse(report, status=200 if ok else 503)


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus text exposition of this machine's processes (see apps.core.metrics)."""
    from django.http import HttpResponse

    from . import metrics

    if not metrics.scrape_allowed(
        authorization=request.headers.get("Authorization", ""), remote_addr=request.META.get("REMOTE_ADDR", "")
    ):
        return JsonResponse(
            error_body(
                "forbidden", "Metrics need METRICS_TOKEN as a bearer token, or a peer in METRICS_ALLOWED_NETWORKS."
            ),
            status=403,
        )
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
