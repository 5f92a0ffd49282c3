"""A live server with a signed-in user and a reviewer, each with an API key, for contract tests."""

import pytest

from apps.accounts import services as accounts
from tests.factories import UserFactory


@pytest.fixture
def contract_server(live_server, settings, transactional_db):
    """(base URL, user's key, reviewer's key) on a live server with market data and generous limits."""
    from tests.market.conftest import bundled

    settings.API_RATE_LIMITS = {"anon": 100_000, "free": 100_000, "premium": 100_000}
    settings.CODEGEN_DAILY_TOKENS = {"free": 10_000_000, "premium": 10_000_000}
    bundled("GOOG")
    user = UserFactory(email="contract-user@example.com")
    reviewer = UserFactory(email="contract-reviewer@example.com", role="reviewer")
    _, user_key = accounts.create_api_key(user=user, name="contract")
    _, reviewer_key = accounts.create_api_key(user=reviewer, name="contract")
    return live_server.url, user_key, reviewer_key
