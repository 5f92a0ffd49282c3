"""Hostile JSON bodies get a 4xx in the error shape, never a 500; /api/ errors are JSON in any mode."""

import pytest
from rest_framework.test import APIClient

from apps.core.parsers import ClientJSONError, json_depth_exceeds, loads_from_client

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login/"


def post_raw(client, path, body: bytes | str):
    return client.generic("POST", path, body, content_type="application/json")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_is_measured_outside_strings_only():
    assert not json_depth_exceeds(nested(64))
    assert json_depth_exceeds(nested(65))
    assert json_depth_exceeds('{"a":' * 65 + "1" + "}" * 65)
    assert not json_depth_exceeds('"' + "[" * 1000 + '"')
    assert not json_depth_exceeds('["\\"' + "[" * 1000 + '"]')  # an escaped quote does not end the string
    assert loads_from_client(nested(64))
    with pytest.raises(ClientJSONError) as caught:
        loads_from_client(nested(65))
    assert caught.value.code == "too_deep"


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deep_nesting_is_400_too_deep(api_client, depth):
    response = post_raw(api_client, LOGIN, nested(depth))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_deep"
    assert "64" in response.json()["error"]["message"]


def test_nesting_within_the_limit_reaches_validation(api_client):
    response = post_raw(api_client, LOGIN, '{"email": ' + nested(60) + ', "password": "x"}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "email" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body",
    [
        '{"email": NaN, "password": "x"}',
        '{"email": Infinity, "password": "x"}',
        '{"email": -Infinity, "password": "x"}',
        '{"email": 1e999, "password": "x"}',
        '{"email": ' + "9" * 5000 + ', "password": "x"}',
        b'{"email": "\xff\xfe", "password": "x"}',
        '{"email": "a", ',
        "",
    ],
)
def test_numbers_json_cannot_hold_and_broken_bodies_are_400(api_client, body):
    response = post_raw(api_client, LOGIN, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"parse_error", "invalid"}


def test_a_body_over_the_limit_is_413_and_not_parsed(api_client, settings):
    settings.API_MAX_JSON_BYTES = 1000
    response = post_raw(api_client, LOGIN, '{"email": "' + "a" * 2000 + '", "password": "x"}')
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_unknown_api_urls_are_json_with_debug_on(settings):
    settings.DEBUG = True
    response = APIClient().get("/api/v1/no-such-thing/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert b"urlpatterns" not in response.content and b"URLconf" not in response.content


def test_unknown_pages_outside_the_api_stay_html(settings):
    settings.DEBUG = False
    response = APIClient().get("/no-such-page/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_method_not_allowed_and_html_errors_under_api_are_json(auth_client, settings):
    settings.DEBUG = True
    response = auth_client.delete("/api/v1/auth/login/", HTTP_ACCEPT="text/html")
    assert response.status_code in {401, 403, 405}
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"]
