"""django-axes lockout answer: the common JSON error under /api/, a page elsewhere; both say how long to wait."""

from django.http import JsonResponse
from django.shortcuts import render

from apps.core.errors import error_body

from .services import lockout_message, lockout_wait_seconds


def lockout_response(request, original_response=None, credentials=None):
    wait = lockout_wait_seconds(request, credentials)
    minutes = max(1, round(wait / 60))
    message = lockout_message(wait)
    if request.path.startswith("/api/"):
        body = error_body("locked_out", message)
        body["error"]["retry_after"] = wait
        response = JsonResponse(body, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def axes_username(request, credentials) -> str | None:
    """Count failures per email whatever its case (``Ada@x`` and ``ada@x`` are one account)."""
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email") or request.POST.get("email")
    return username.strip().lower() if username else None
