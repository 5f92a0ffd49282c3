import pytest
from rest_framework.test import APIClient

from tests.concurrency import run_concurrently
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rate_limit_headers_count_down(auth_client, settings):
    first = auth_client.get("/api/v1/jobs/")
    second = auth_client.get("/api/v1/jobs/")
    assert first["X-RateLimit-Limit"] == str(settings.API_RATE_LIMITS["free"])
    assert int(second["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1
    assert 0 < int(first["X-RateLimit-Reset"]) <= 60


def test_limits_follow_the_tier(settings):
    settings.API_RATE_LIMITS = {"anon": 1, "free": 2, "premium": 4}
    free, premium = UserFactory(tier="free"), UserFactory(tier="premium")
    outcomes = {}
    for user in (free, premium):
        client = APIClient()
        client.force_authenticate(user)
        outcomes[user.tier] = [client.get("/api/v1/jobs/").status_code for _ in range(5)]
    assert outcomes["free"] == [200, 200, 429, 429, 429]
    assert outcomes["premium"] == [200, 200, 200, 200, 429]


def test_users_are_counted_separately(settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "free": 1}
    for user in (UserFactory(), UserFactory()):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get("/api/v1/jobs/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_exceed_the_limit(settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "free": 10}
    user = UserFactory()

    def three_calls():
        client = APIClient()
        client.force_authenticate(user)
        return [client.get("/api/v1/jobs/").status_code for _ in range(3)]

    statuses = [status for batch in run_concurrently(three_calls, calls=8) for status in batch]
    assert statuses.count(200) == 10
    assert statuses.count(429) == 14
