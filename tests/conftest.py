import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Close psycopg pools before the test database is dropped (their idle connections block it)."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with empty rate-limit counters (only this test process's keys)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in the calling thread unless a test starts a real worker (see `celery_worker`)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def auth_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def claude(settings):
    """A local stand-in for the Anthropic API that the real SDK talks to over HTTP."""
    from tests.fakes.anthropic_server import FakeAnthropic

    fake = FakeAnthropic()
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    settings.ANTHROPIC_BASE_URL = fake.url
    settings.ANTHROPIC_MAX_RETRIES = 2
    yield fake
    fake.close()
