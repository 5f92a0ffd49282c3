"""Request-scoped middleware: request ids with an access log line, metrics, and rate-limit headers."""

import logging
import time

from django.http import JsonResponse

from . import metrics, tracing
from .client_ip import client_ip
from .errors import error_body
from .request_context import accept_request_id, bind_request_id, reset_request_id

access_log = logging.getLogger("apps.access")

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Accept or create ``X-Request-ID``, bind it for the request's log lines, echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = bind_request_id(request_id)
        tracing.tag_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "client_ip": client_ip(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return response
        finally:
            reset_request_id(token)


class RateLimitHeadersMiddleware:
    """Copy the limit counted by ``TierRateThrottle`` onto the response as ``X-RateLimit-*``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            response["X-RateLimit-Limit"] = str(state.limit)
            response["X-RateLimit-Remaining"] = str(state.remaining)
            response["X-RateLimit-Reset"] = str(state.reset_in)
        return response


_API_ERROR_CODES = {
    400: ("bad_request", "Bad request."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("too_large", "The request body is too large."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


class ApiJsonErrorsMiddleware:
    """Under ``/api/`` every error is JSON in the error shape, in every mode.

    Django answers some errors before any DRF view runs, and with ``DEBUG=1`` it answers them with
    its HTML debug pages (an unknown URL lists the URL patterns; an exception shows a traceback).
    This replaces any non-JSON error answer under ``/api/`` with the error shape, keeping its status.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith("/api/"):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json") or getattr(response, "streaming", False):
            return response
        code, message = _API_ERROR_CODES.get(response.status_code, ("error", "The request failed."))
        replaced = JsonResponse(error_body(code, message), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced


def _auth_kind(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer aip_"):
        return "api_key"
    return "jwt" if header.startswith("Bearer ") else "session"


class MetricsMiddleware:
    """Time each request by route pattern and status, count 5xx answers and signed-in users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else "unmatched"
        status = str(response.status_code)
        metrics.REQUEST_DURATION.labels(method=request.method, route=route, status=status).observe(elapsed)
        if response.status_code >= 500:
            metrics.REQUEST_ERRORS.labels(method=request.method, route=route, status=status).inc()
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            metrics.user_seen(user.pk, auth=_auth_kind(request))
        metrics.record_pool_state()
        return response
