import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.core.models import IdempotencyKey, Job
from tests.concurrency import run_concurrently

URL = "/api/v1/test/jobs/"
pytestmark = [pytest.mark.urls("tests.core.urls")]


@pytest.mark.django_db
def test_same_key_and_body_replays_without_running_again(auth_client):
    first = auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert "Idempotent-Replayed" not in first
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_422_and_changes_nothing(auth_client):
    auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = auth_client.post(URL, {"kind": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Job.objects.values_list("kind", flat=True)) == ["a"]


@pytest.mark.django_db
def test_keys_are_scoped_per_user(auth_client, other_user):
    other = APIClient()
    other.force_authenticate(other_user)
    auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = other.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Job.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_request_releases_the_key(auth_client):
    bad = auth_client.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"kind": ["This field is required."]}
    assert not IdempotencyKey.objects.filter(key="k-3").exists()
    good = auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


@pytest.mark.django_db
def test_without_a_key_each_post_runs(auth_client):
    auth_client.post(URL, {"kind": "a"}, format="json")
    auth_client.post(URL, {"kind": "a"}, format="json")
    assert Job.objects.count() == 2


@pytest.mark.django_db
def test_an_overlong_key_is_a_400_naming_the_header(auth_client):
    response = auth_client.post(URL, {"kind": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_do_the_work_once(user):
    def post():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(URL, {"kind": "race", "delay": 0.5}, format="json", HTTP_IDEMPOTENCY_KEY="race")

    responses = run_concurrently(post, calls=2)

    statuses = sorted(r.status_code for r in responses)
    if statuses == [201, 201] and connection.vendor == "sqlite":
        # One writer at a time: a second request that claims while the first holds the write lock
        # waits for it to commit, then replays its answer.
        assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
        assert responses[0].json() == responses[1].json()
    else:
        assert statuses == [201, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "idempotency_in_progress"
    assert Job.objects.filter(kind="race").count() == 1
    # Once the winner is done, the same request replays its answer.
    client = APIClient()
    client.force_authenticate(user)
    replay = client.post(URL, {"kind": "race", "delay": 0.5}, format="json", HTTP_IDEMPOTENCY_KEY="race")
    winner = next(r for r in responses if r.status_code == 201)
    assert replay.status_code == 201 and replay.json() == winner.json()
