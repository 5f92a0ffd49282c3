"""Logging helpers used by ``settings.LOGGING``."""

import logging

from .request_context import get_request_id


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = get_request_id() or "-"
        return True


def install_request_id_record_factory() -> None:
    """Stamp every log record with the request id when it is created, whatever handler takes it."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = get_request_id() or "-"
        return record

    factory._adds_request_id = True
    logging.setLogRecordFactory(factory)
