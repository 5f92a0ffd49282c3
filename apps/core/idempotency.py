"""``Idempotency-Key`` support for any DRF view method.

    class PlaceOrderApi(APIView):
        @idempotent
        def post(self, request, portfolio_id): ...

Same key + same method, path and body: the stored response is replayed (header
``Idempotent-Replayed: true``) and the view does not run again. Same key + another request: 422.
Same key while the first request still runs: 409. The view runs inside a transaction together
with the storing of its response, so a crash leaves neither; a failed request (an exception or a
5xx) releases the key so that the client can retry with it.
"""

import functools
import json

from django.db import transaction
from django.http.request import RawPostDataException
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import services
from .errors import Conflict, Unprocessable

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("Location",)


class _FailedResponse(Exception):
    def __init__(self, response):
        self.response = response


def _request_body(request) -> bytes:
    try:
        return request._request.body
    except RawPostDataException:  # the stream was already parsed: fingerprint the parsed data
        return json.dumps(request.data, sort_keys=True, default=str).encode()


def idempotent(view_method):
    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            raise exceptions.ValidationError({HEADER: ["Must be 1 to 255 printable characters."]})

        scope = f"user:{request.user.pk}" if request.user.is_authenticated else "anonymous"
        fingerprint = services.request_fingerprint(
            method=request.method, path=request.path, body=_request_body(request)
        )
        record, claim = services.claim_idempotency_key(
            scope=scope, key=key, fingerprint=fingerprint, method=request.method, path=request.path
        )
        if claim is services.Claim.MISMATCH:
            raise Unprocessable(
                f"{HEADER} {key!r} was already used for a different request; use a new key.",
                code="idempotency_key_reused",
            )
        if claim is services.Claim.IN_PROGRESS:
            raise Conflict(
                f"A request with {HEADER} {key!r} is still being processed; retry shortly.",
                code="idempotency_in_progress",
            )
        if claim is services.Claim.REPLAY:
            headers = {**record.response_headers, REPLAYED_HEADER: "true"}
            return Response(record.response_body, status=record.response_status, headers=headers)

        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 500:
                    raise _FailedResponse(response)
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
                services.store_idempotent_response(
                    record=record, status=response.status_code, body=body, headers=headers
                )
        except _FailedResponse as failed:
            services.release_idempotency_key(record=record)
            return failed.response
        except BaseException:
            services.release_idempotency_key(record=record)
            raise
        return response

    return wrapper
