"""Logging helpers used by ``settings.LOGGING``."""

import logging

from .request_context import get_request_id


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = get_request_id() or "-"
        return True
