import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app


@pytest.fixture
def production_shape(transactional_db):
    """PostgreSQL + Redis, tasks through the broker (what the failure tests are about)."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the failure tests need PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def figures():
    """Recovery figures, printed at the end of each test (copied into README's operations table)."""
    found: dict[str, object] = {}
    yield found
    print("\nFIGURES", found)
