"""The Prometheus endpoint: access rules, and every metric family present and moving after real traffic."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from apps.core import metrics
from config.asgi import application
from tests.factories import JobFactory, UserFactory
from tests.fakes.anthropic_server import error, message

pytestmark = pytest.mark.django_db


def scrape(client=None) -> dict[str, float]:
    """Every sample of /metrics as {name{labels}: value}, plus each family's total under its name."""
    response = (client or APIClient()).get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        total = 0.0
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
            if sample.name.endswith(("_count", "_total")) or sample.name == family.name:
                total += sample.value
        samples[family.name] = total
    return samples


def test_metrics_are_refused_outside_the_allowed_networks(settings):
    response = APIClient().get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    # A forwarded address is never trusted for this: only the direct peer counts.
    response = APIClient().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_a_token_replaces_the_network_rule(settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert APIClient().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    wrong = APIClient().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    right = APIClient().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert right.status_code == 200
    assert b"platform_http_request_duration_seconds" in right.content


def _websocket_round_trip(user) -> dict[str, float]:
    """Open the job-status socket as `user`, receive its snapshot frame, scrape while it is open, close."""
    from asgiref.sync import sync_to_async
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    job = JobFactory(owner=user)

    async def talk():
        communicator = WebsocketCommunicator(
            application, f"/ws/jobs/{job.id}/", headers=[(b"cookie", f"sessionid={cookie}".encode())]
        )
        connected, _ = await communicator.connect(timeout=3)
        assert connected
        await communicator.receive_json_from(timeout=3)
        during = await sync_to_async(scrape)()
        await communicator.disconnect()
        return during

    return async_to_sync(talk)()


@pytest.mark.django_db(transaction=True)
def test_every_family_is_present_and_moves_with_real_traffic(settings, claude, django_capture_on_commit_callbacks):
    before = scrape()
    user = UserFactory()
    staff = UserFactory(is_staff=True)
    client = APIClient()
    client.force_authenticate(user)

    # HTTP: a 200, a 404 and a server error's route all land in the latency histogram by route.
    assert client.get("/api/v1/jobs/").status_code == 200
    assert client.get("/api/v1/no-such-thing/").status_code == 404
    # Cache: a miss and a hit.
    cache.get("metrics-test-key")
    cache.set("metrics-test-key", 1)
    cache.get("metrics-test-key")
    # A model call (the lexicon sentiment model) and a call to Claude (the local stand-in).
    assert client.post("/api/v1/nlp/sentiment/", {"text": "Profits soared."}, format="json").status_code == 200
    claude.queue(200, message("```python\nprint(1)\n```"))
    generated = client.post(
        "/api/v1/codegen/generate/code/", {"prompt": "print one", "language": "python"}, format="json"
    )
    assert generated.status_code in (200, 201), generated.content[:300]
    # A job run by the (eager) worker.
    staff_client = APIClient()
    staff_client.force_authenticate(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post("/api/v1/system/selfcheck/").status_code == 202
    # A WebSocket connection that receives a frame, counted while open.
    during = _websocket_round_trip(user)
    # The feed publishing ticks.
    metrics.ticks_published(5)

    after = scrape()
    route = "method=GET,route=api/v1/jobs/,status=200"
    assert after[f"platform_http_request_duration_seconds_count{{{route}}}"] >= 1
    assert after["platform_http_request_duration_seconds_count{method=GET,route=unmatched,status=404}"] >= 1
    for family in (
        "platform_http_request_duration_seconds",
        "platform_db_query_duration_seconds",
        "platform_cache_requests",
        "platform_model_inference_seconds",
        "platform_external_request_duration_seconds",
        "platform_job_duration_seconds",
        "platform_ws_messages_sent",
        "platform_feed_ticks_published",
        "platform_user_requests",
    ):
        assert after[family] > before.get(family, 0), family
    assert after["platform_cache_requests_total{result=hit}"] > before.get(
        "platform_cache_requests_total{result=hit}", 0
    )
    assert after["platform_cache_requests_total{result=miss}"] > before.get(
        "platform_cache_requests_total{result=miss}", 0
    )
    assert after["platform_external_request_duration_seconds_count{outcome=ok,provider=anthropic}"] >= 1
    assert after["platform_job_duration_seconds_count{kind=core.selfcheck,outcome=succeeded}"] >= 1
    assert (
        during["platform_ws_connections{route=/ws/jobs}"]
        == before.get("platform_ws_connections{route=/ws/jobs}", 0) + 1
    )
    assert after["platform_ws_connections{route=/ws/jobs}"] == during["platform_ws_connections{route=/ws/jobs}"] - 1
    # Values read at scrape time.
    assert after["platform_active_users"] >= 1
    assert 0 <= after["platform_feed_lag_seconds"] < 60
    assert "platform_jobs_waiting{queue=default,status=queued}" in after
    assert any(key.startswith("platform_process_resident_memory_bytes{") for key in after)


def test_external_failures_are_counted(claude, auth_client):
    before = scrape()
    for _ in range(3):  # the first try and the SDK's two retries
        claude.queue(500, error("api_error", "boom"))
    response = auth_client.post("/api/v1/codegen/generate/code/", {"prompt": "x", "language": "python"}, format="json")
    assert response.status_code == 503
    after = scrape()
    key = "platform_external_request_failures_total{provider=anthropic}"
    assert after[key] == before.get(key, 0) + 1


def test_websocket_metrics_wrapper_counts_only_accepted_connections():
    """A refused handshake (no job, anonymous) neither opens nor closes a connection in the gauge."""
    before = scrape()

    async def refused():
        communicator = WebsocketCommunicator(application, "/ws/jobs/00000000-0000-0000-0000-000000000000/")
        connected, _ = await communicator.connect(timeout=3)
        await communicator.disconnect()
        return connected

    assert async_to_sync(refused)() is False
    after = scrape()
    key = "platform_ws_connections{route=/ws/jobs}"
    assert after.get(key, 0) == before.get(key, 0)
