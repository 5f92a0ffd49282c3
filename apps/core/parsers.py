"""The one way JSON from a client is read: depth-limited, finite, UTF-8, with clear 400s.

Python's ``json`` recurses once per nesting level, so ``[`` × 100,000 ends in a ``RecursionError``
(a 500) before any validation runs. ``loads_from_client`` measures the nesting first, in one pass
that skips string contents, and refuses anything deeper than ``MAX_JSON_DEPTH`` (64) without
parsing it. It also refuses ``NaN``/``Infinity`` and numbers too large for a float, which a
client cannot mean and our Decimal fields cannot hold. Every JSON body, in DRF views
(``StrictJSONParser``) and outside them (WebSocket messages), goes through it.
"""

import json
import math
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64

# Escapes go first (so an escaped quote cannot end a string), then whole strings, then all but brackets.
# Each pattern is linear: after escapes are gone a string cannot contain a quote, so no backtracking.
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class ClientJSONError(ValueError):
    """A body we will not parse; ``code`` is the error code a client sees."""

    def __init__(self, message: str, *, code: str = "parse_error"):
        super().__init__(message)
        self.code = code


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``limit`` (strings' contents ignored)."""
    if text.count("[") + text.count("{") <= limit:  # cannot be deeper than the brackets it has
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def _refuse_constant(name: str):
    raise ClientJSONError(f"{name} is not a JSON number; send a finite number or a string.", code="parse_error")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ClientJSONError(f"The number {text[:40]} is too large.", code="parse_error")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def lone_surrogate_field(value, path: str = "") -> str | None:
    """The path (``text``, ``files[0].path``) of the first string, key or value, holding a lone
    surrogate (``"\\ud800"`` decodes to one; it cannot be stored, logged or sent back as UTF-8)."""
    if isinstance(value, str):
        return (path or "non_field_errors") if _has_lone_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _has_lone_surrogate(str(key)):
                return path or "non_field_errors"
            found = lone_surrogate_field(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_field(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


def loads_from_client(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH):
    """Parse client JSON or raise ``ClientJSONError`` (``too_deep``, or ``parse_error`` naming why)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ClientJSONError(f"The request body is not valid UTF-8 (byte {exc.start}).") from exc
    if json_depth_exceeds(text, max_depth):
        raise ClientJSONError(f"JSON nests deeper than {max_depth} levels.", code="too_deep")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ClientJSONError:
        raise
    except RecursionError as exc:  # belt and braces: the scan above should make this unreachable
        raise ClientJSONError(f"JSON nests deeper than {max_depth} levels.", code="too_deep") from exc
    except ValueError as exc:  # JSONDecodeError, and int() refusing > 4,300 digits
        raise ClientJSONError(f"JSON parse error - {exc}") from exc


class StrictJSONParser(JSONParser):
    """DRF's JSON parser on ``loads_from_client``: every refusal is a 400 in the error shape, and a
    body over ``API_MAX_JSON_BYTES`` is a 413 read no further."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            from .errors import PayloadTooLarge  # errors imports DRF's views, which import this module

            raise PayloadTooLarge(f"The JSON body is over {limit:,} bytes.")
        try:
            data = loads_from_client(body)
        except ClientJSONError as exc:
            raise ParseError(str(exc), code=exc.code) from exc
        if _SURROGATE_ESCAPE.search(body.decode("utf-8")):  # only then can a lone surrogate be in the data
            field = lone_surrogate_field(data)
            if field:
                raise ValidationError({field: ["Not valid Unicode: it contains a lone surrogate (\\ud800-\\udfff)."]})
        return data
