import pytest
from django.test import override_settings

DEAD_REDIS = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/health", "/health/live"])
def test_liveness_endpoints_answer_without_touching_dependencies(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_reports_version_and_time(client, settings):
    body = client.get("/health").json()
    assert body["version"] == settings.APP_VERSION
    assert body["time"].endswith("+00:00")


@pytest.mark.parametrize("path", ["/health/ready", "/api/health"])
def test_ready_checks_every_dependency(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "failing" not in body


def test_ready_is_503_naming_a_dead_cache(client):
    dead_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=dead_cache):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["error"]["code"] == "unavailable"
    assert "cache" in body["error"]["message"]


def test_ready_is_503_naming_a_dead_broker(client):
    with override_settings(CELERY_BROKER_URL=DEAD_REDIS, CELERY_TASK_ALWAYS_EAGER=False):
        response = client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert "Error" in body["checks"]["broker"]["detail"]


def test_ready_is_503_naming_a_dead_channel_layer(client):
    dead_layer = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DEAD_REDIS]}}}
    with override_settings(CHANNEL_LAYERS=dead_layer):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]


def test_health_is_get_only(client):
    assert client.post("/health").status_code == 405
