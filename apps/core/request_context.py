"""The id of the request (or task) being served, readable anywhere in the same context.

A ``ContextVar`` follows the code through threads, asyncio tasks and Celery tasks alike: the
middleware binds it per request, the Celery signals in ``config/celery.py`` per task.
"""

import re
import uuid
from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def get_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str) -> Token:
    return _request_id.set(value)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    """Keep a well-formed id sent by the client or proxy; otherwise make a new one."""
    if candidate and _VALID_ID.match(candidate):
        return candidate
    return new_request_id()
