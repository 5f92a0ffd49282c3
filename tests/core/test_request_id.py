import json
import logging

import pytest

from apps.core.request_context import bind_request_id, get_request_id, reset_request_id

pytestmark = pytest.mark.django_db


def test_a_valid_request_id_is_kept_and_echoed(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="abc-123.def")
    assert response["X-Request-ID"] == "abc-123.def"


@pytest.mark.parametrize("sent", [None, "", "has spaces", "x" * 200, "<script>"])
def test_a_missing_or_malformed_request_id_is_replaced(client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client.get("/health/live", **headers)
    generated = response["X-Request-ID"]
    assert generated != sent
    assert len(generated) == 32
    assert generated.isalnum()


def test_every_log_line_of_a_request_carries_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="apps.access")
    client.get("/health/live", HTTP_X_REQUEST_ID="trace-42")
    access = [r for r in caplog.records if r.name == "apps.access"]
    assert access and all(r.request_id == "trace-42" for r in access)
    assert access[0].status == 200
    assert get_request_id() is None  # unbound after the request


def test_log_lines_are_json_with_the_request_id(settings):
    from pythonjsonlogger.json import JsonFormatter

    formatter_config = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(formatter_config["fmt"], rename_fields=formatter_config["rename_fields"])
    token = bind_request_id("json-7")
    try:
        record = logging.getLogger("apps.test").makeRecord(
            "apps.test", logging.INFO, __file__, 1, "hello %s", ("you",), None
        )
    finally:
        reset_request_id(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello you"
    assert line["request_id"] == "json-7"
    assert line["level"] == "INFO"
    assert line["logger"] == "apps.test"
