"""Every API error has one shape: {"error": {"code", "message", "fields"}}."""

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"error"}
    assert set(body["error"]) >= {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_400_names_the_field(auth_client):
    error = assert_error(auth_client.get("/api/v1/jobs/?status=bogus"), 400, "invalid")
    assert "status" in error["fields"]
    assert error["message"].startswith("status:")


@pytest.mark.urls("tests.core.urls")
def test_400_for_malformed_json_body(auth_client):
    response = auth_client.post("/api/v1/test/jobs/", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_401_when_not_authenticated(api_client):
    response = api_client.get("/api/v1/jobs/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_403_when_not_allowed(auth_client):
    assert_error(auth_client.post("/api/v1/system/selfcheck/"), 403, "permission_denied")


def test_404_for_another_users_object(auth_client, other_user):
    job = JobFactory(owner=other_user)
    assert_error(auth_client.get(f"/api/v1/jobs/{job.id}"), 404, "not_found")


def test_404_for_unknown_api_route_is_json(auth_client):
    assert_error(auth_client.get(f"/api/v1/nothing-here/{uuid.uuid4()}"), 404, "not_found")


def test_404_page_outside_the_api_is_html(client, user):
    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_405_for_a_wrong_method(auth_client, user):
    job = JobFactory(owner=user)
    error = assert_error(auth_client.delete(f"/api/v1/jobs/{job.id}"), 405, "method_not_allowed")
    assert "DELETE" in error["message"]


def test_429_with_retry_after(auth_client, settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "free": 2}
    for _ in range(2):
        assert auth_client.get("/api/v1/jobs/").status_code == 200
    response = auth_client.get("/api/v1/jobs/")
    error = assert_error(response, 429, "throttled")
    assert 0 < error["retry_after"] <= 60
    assert int(response["Retry-After"]) > 0


@pytest.mark.urls("tests.core.urls")
def test_500_in_the_api_hides_the_detail(caplog):
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/test/explode/")
    error = assert_error(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert error["fields"] == {}
    assert any("secret internal detail" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


@pytest.mark.urls("tests.core.urls")
def test_500_outside_drf_is_json_under_api_and_html_elsewhere(client):
    client.raise_request_exception = False
    page = client.get("/test/explode/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
    assert b"secret" not in page.content


@pytest.mark.urls("tests.core.urls")
def test_400_for_a_body_that_is_not_utf8_anywhere_in_the_api(auth_client):
    response = auth_client.post("/api/v1/test/jobs/", data=b'{"kind": "caf\xe9"}', content_type="application/json")
    error = assert_error(response, 400, "parse_error")
    assert "UTF-8" in error["message"]
