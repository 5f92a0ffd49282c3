"""Which dependency a failure says is down, and the ``503`` that tells the client to retry.

A request that cannot reach the database, the cache, the task broker or the channel layer is not a
bug: the client should wait and retry. Every edge (DRF's exception handler, Django's handler500 and
the middleware in front of plain views) asks ``unavailable_dependency`` about the exception and, when
it names one, answers ``503`` with the error shape, the dependency's name and ``Retry-After``::

    {"error": {"code": "unavailable", "message": "The database is unavailable; retry in 5 seconds.",
               "fields": {}, "dependency": "database", "retry_after": 5}}

The answer comes within the connection timeouts of config/settings.py (about 2 s): PostgreSQL's
``connect_timeout`` and pool timeout, Redis's socket timeouts, the broker's publish retry policy.
"""

import logging
import socket
import sys
import traceback
from types import TracebackType

import psycopg
from django.db import utils as db_utils
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as KombuOperationalError
from psycopg_pool import PoolTimeout
from redis import exceptions as redis_errors

from .errors import ServiceUnavailable, error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

LABELS = {
    "database": "The database",
    "cache": "The cache",
    "broker": "The task broker",
    "channel_layer": "The channel layer",
}

# The library a failing network call went through names the dependency (the innermost one that
# names any: a publish goes celery -> kombu -> redis, a cache read django_redis -> redis, while an
# on_commit publish is called from django.db).
_OWNERS = (
    ("django_redis", "cache"),
    ("django.core.cache", "cache"),
    ("channels_redis", "channel_layer"),
    ("channels.layers", "channel_layer"),
    ("celery", "broker"),
    ("kombu", "broker"),
    ("django.db", "database"),
    ("psycopg", "database"),
    ("psycopg_pool", "database"),
)

# Database errors that say "the server is not there (or too busy to answer)", not "your SQL is wrong".
_DATABASE_DOWN = (db_utils.OperationalError, db_utils.InterfaceError)
# Network failures, wherever raised (psycopg's own are database errors once Django wraps them).
_NETWORK = (
    ConnectionError,
    TimeoutError,
    socket.timeout,
    socket.gaierror,
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    psycopg.OperationalError,
    PoolTimeout,
)


class DependencyUnavailable(ServiceUnavailable):
    """Raised by services that find a dependency down before touching it (e.g. a failed publish)."""

    default_code = "unavailable"

    def __init__(self, dependency: str, detail: str | None = None):
        self.dependency = dependency
        super().__init__(detail or f"{LABELS.get(dependency, dependency)} is unavailable.")


def _owner(tb: TracebackType | None) -> str | None:
    """The dependency of the innermost library frame of ``tb`` that names one."""
    for frame, _ in reversed(list(traceback.walk_tb(tb))):
        module = frame.f_globals.get("__name__", "")
        for prefix, dependency in _OWNERS:
            if module == prefix or module.startswith(prefix + "."):
                return dependency
    return None


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def unavailable_dependency(exc: BaseException | None) -> str | None:
    """The dependency (``database``, ``cache``, ``broker``, ``channel_layer``) whose absence caused
    ``exc``, or None when ``exc`` is an ordinary error."""
    if exc is None:
        return None
    for link in _chain(exc):
        if isinstance(link, DependencyUnavailable):
            return link.dependency
        if isinstance(link, ConnectionInterrupted):
            return "cache"
        if isinstance(link, KombuOperationalError):
            return "broker"
        if isinstance(link, _DATABASE_DOWN):
            return "database"
        if isinstance(link, _NETWORK):
            return _owner(link.__traceback__) or _owner(exc.__traceback__)
    return None


def unavailable_body(dependency: str) -> dict:
    body = error_body(
        "unavailable",
        f"{LABELS.get(dependency, dependency)} is unavailable; retry in {RETRY_AFTER_SECONDS} seconds.",
    )
    body["error"]["dependency"] = dependency
    body["error"]["retry_after"] = RETRY_AFTER_SECONDS
    return body


def log_unavailable(dependency: str, exc: BaseException) -> None:
    logger.warning(
        "%s unavailable: %s: %s", dependency, type(exc).__name__, str(exc)[:300], extra={"dependency": dependency}
    )


def unavailable_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse | None:
    """The ``503`` for a request that failed because a dependency is down (``exc`` defaults to the
    exception being handled), or None when the failure is something else."""
    exc = exc if exc is not None else sys.exc_info()[1]
    dependency = unavailable_dependency(exc)
    if dependency is None:
        return None
    log_unavailable(dependency, exc)
    body = unavailable_body(dependency)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(body, status=503)
    else:
        try:
            response = render(
                request, "errors/error.html", {"message": body["error"]["message"], "status": 503}, status=503
            )
        except Exception:  # the page itself may need what is down (sessions, context processors)
            response = HttpResponse(body["error"]["message"], status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DependencyUnavailableMiddleware:
    """Answer ``503`` (not ``500``) when a plain Django view fails because a dependency is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)
