"""A dependency that cannot be reached answers 503 naming it, with Retry-After, within 2 s; never 500.

Each test points the platform at a real closed port (nothing listens there), so the failure is
the one a client would meet; tests/failure/ does the same with servers paused and restarted.
"""

import socket
import time

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.db import utils as db_utils
from rest_framework.test import APIClient

from apps.core.dependencies import unavailable_dependency
from apps.core.models import Job
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: connections are refused


def assert_unavailable(response, dependency: str):
    assert response.status_code == 503, response.content
    body = response.json()["error"]
    assert body["code"] == "unavailable" and body["dependency"] == dependency
    assert body["fields"] == {} and body["retry_after"] == 5
    assert response["Retry-After"] == "5"


def test_the_cache_down_is_a_503_naming_it(auth_client, settings, closed_port):
    assert auth_client.get("/api/v1/jobs/").status_code == 200  # warm: URLconf and views loaded
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    started = time.monotonic()
    response = auth_client.get("/api/v1/jobs/")  # the rate limit is counted in the cache
    assert time.monotonic() - started < 2
    assert_unavailable(response, "cache")


@pytest.fixture
def broker_down(closed_port):
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port}/0"
    celery_app.conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_the_broker_down_is_a_503_and_the_job_is_failed_with_the_reason(staff_user, broker_down):
    client = APIClient()
    client.force_authenticate(staff_user)
    assert client.get("/api/v1/jobs/").status_code == 200  # warm: URLconf and views loaded
    started = time.monotonic()
    response = client.post("/api/v1/system/selfcheck/")
    assert time.monotonic() - started < 2.5
    assert_unavailable(response, "broker")
    job = Job.objects.get(owner=staff_user)
    assert job.status == Job.Status.FAILED and "broker was unavailable" in job.error


def test_a_database_that_refuses_connections_is_named(closed_port):
    with pytest.raises(psycopg.OperationalError) as raw:
        psycopg.connect(f"host=127.0.0.1 port={closed_port} user=postgres connect_timeout=2")
    assert unavailable_dependency(raw.value) == "database"
    wrapped = db_utils.OperationalError("terminating connection due to administrator command")
    assert unavailable_dependency(wrapped) == "database"
    assert unavailable_dependency(db_utils.IntegrityError("duplicate key")) is None
    assert unavailable_dependency(KeyError("a bug")) is None


def test_a_channel_layer_that_refuses_connections_is_named(closed_port):
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[f"redis://127.0.0.1:{closed_port}/0"])
    with pytest.raises(Exception) as failure:
        async_to_sync(layer.group_send)("group", {"type": "ping"})
    assert unavailable_dependency(failure.value) == "channel_layer"
