"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

DRF exceptions go through ``api_exception_handler``; errors raised outside DRF (unknown URL, CSRF
failure, an unhandled exception) go through Django's handlers below, which answer JSON under
``/api/`` and a friendly page elsewhere. No stack trace reaches a client.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def describe(exc: Exception) -> str:
    """What a service's failure says, for a person: an API error's detail, a validation error's
    messages, else the exception's text."""
    if isinstance(exc, exceptions.APIException):
        return str(exc.detail)
    if isinstance(exc, DjangoValidationError):
        return " ".join(exc.messages)
    return str(exc)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request is well-formed but cannot be processed."
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    """413 for an input over a size limit; the message states the limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The input is too large."
    default_code = "too_large"

    def __init__(self, detail=None, *, field: str | None = None, code=None):
        super().__init__(detail, code)
        self.field = field


class TooManyAttempts(exceptions.APIException):
    """429 for guessing (locked-out logins, wrong codes), with the seconds to wait."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many attempts; wait before trying again."
    default_code = "too_many_attempts"

    def __init__(self, detail=None, *, wait: int, code=None):
        super().__init__(detail, code)
        self.wait = max(1, int(wait))


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is not available."
    default_code = "service_unavailable"


def error_body(code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    """Turn DRF's ErrorDetail trees into plain strings, keeping the nesting of fields."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _first_code(codes: Any) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    from .dependencies import RETRY_AFTER_SECONDS, log_unavailable, unavailable_body, unavailable_dependency

    dependency = unavailable_dependency(exc)
    if dependency is not None:  # a dependency is down: retry later, not a bug
        log_unavailable(dependency, exc)
        return Response(
            unavailable_body(dependency),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):  # raised by services and model validation
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        first_field, first_errors = next(iter(fields.items()), ("", [""]))
        first_message = first_errors[0] if isinstance(first_errors, list) and first_errors else first_errors
        if isinstance(first_message, dict | list):
            first_message = "invalid value"
        prefix = "" if first_field == "non_field_errors" else f"{first_field}: "
        response.data = error_body("invalid", f"{prefix}{first_message}", fields)
        return response

    code = _first_code(exc.get_codes()) if isinstance(exc, exceptions.APIException) else "error"
    message = _flatten(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(message, dict) and "detail" in message:  # simplejwt's {"detail", "code", "messages"}
        message = message["detail"]
    if isinstance(message, dict | list):
        message = "; ".join(str(m) for m in (message.values() if isinstance(message, dict) else message))
    body = error_body(code, str(message))
    if isinstance(exc, PayloadTooLarge) and exc.field:
        body["error"]["fields"] = {exc.field: [str(message)]}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled | TooManyAttempts) and wait is not None:
        body["error"]["retry_after"] = int(wait + 0.999)
        response["Retry-After"] = str(int(wait + 0.999))
    response.data = body
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _error_response(request, *, status_code: int, code: str, message: str, template: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(code, message), status=status_code)
    return render(request, template, {"message": message, "status": status_code}, status=status_code)


def bad_request(request, exception=None):
    return _error_response(
        request, status_code=400, code="bad_request", message="Bad request.", template="errors/error.html"
    )


def permission_denied(request, exception=None):
    return _error_response(
        request,
        status_code=403,
        code="permission_denied",
        message="You do not have permission to do this.",
        template="errors/error.html",
    )


def page_not_found(request, exception=None):
    return _error_response(
        request, status_code=404, code="not_found", message="Not found.", template="errors/error.html"
    )


def server_error(request):
    from .dependencies import unavailable_response

    unavailable = unavailable_response(request)  # the exception being handled names a dependency
    if unavailable is not None:
        return unavailable
    return _error_response(
        request,
        status_code=500,
        code="server_error",
        message="Something went wrong on our side; it has been logged.",
        template="errors/error.html",
    )


def csrf_failure(request, reason=""):
    return _error_response(
        request,
        status_code=403,
        code="csrf_failed",
        message="The form expired or was sent from another site; reload the page and try again.",
        template="errors/error.html",
    )
