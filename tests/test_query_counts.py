"""Query counts of the API's list and detail endpoints: a list answers in the same number of
queries for 2 rows as for 12 (no query per row can come back unnoticed), and every endpoint stays
under a fixed bound."""

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import services as accounts
from apps.accounts.models import SecurityEvent
from apps.codegen.models import Generation
from apps.portfolio import services as portfolio_services
from tests.factories import AnalysisFactory, JobFactory
from tests.portfolio.conftest import make_instrument, txn

pytestmark = pytest.mark.django_db

# Most queries any list or detail endpoint may use (auth, throttle and the read itself).
BOUND = 12


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


def _grows_by_nothing(client, url, add_rows, django_assert_max_num_queries) -> int:
    """Each count is taken on the first read after a write, so a cached read is counted computing
    its answer afresh (every write changes its cache key)."""
    add_rows(1)
    client.get(url)  # the first read ever also fills caches that outlive writes (bars versions)
    add_rows(1)
    few = _queries(client, url)
    add_rows(10)
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= BOUND, (url, few)
    return few


@pytest.fixture
def market(db):
    return make_instrument("ACME", [100 + i for i in range(30)], sector="Industrials")


@pytest.fixture
def book(user, market):
    """A portfolio with a deposit; ``add(n)`` records n more transactions (a buy, a dividend, …)."""
    portfolio = portfolio_services.create_portfolio(owner=user, name="Main")
    portfolio_services.record_transaction(
        portfolio=portfolio, actor=user, data=txn("deposit", date(2024, 1, 1), amount="1000000")
    )
    day = [date(2024, 1, 2)]

    def add(n):
        for i in range(n):
            kind = ("buy", "dividend", "fee")[i % 3]
            fields = {"quantity": "2", "price": "101"} if kind == "buy" else {"amount": "1.5"}
            if kind == "dividend" and day[0] < date(2024, 1, 4):
                kind, fields = "buy", {"quantity": "1", "price": "101"}
            portfolio_services.record_transaction(
                portfolio=portfolio, actor=user, data=txn(kind, day[0], "ACME" if kind != "fee" else None, **fields)
            )
            day[0] += timedelta(days=1)

    return portfolio, add


NAMES = itertools.count()
LISTS = {
    "jobs": ("/api/v1/jobs/", lambda user, n: [JobFactory(owner=user) for _ in range(n)]),
    "api keys": (
        "/api/v1/auth/api-keys/",
        lambda user, n: [accounts.create_api_key(user=user, name=f"k{i}") for i in range(n)],
    ),
    "security events": (
        "/api/v1/auth/security-events/",
        lambda user, n: SecurityEvent.objects.bulk_create(
            SecurityEvent(user=user, kind=SecurityEvent.Kind.LOGIN_SUCCEEDED) for _ in range(n)
        ),
    ),
    "text analyses": ("/api/v1/nlp/analyses/", lambda user, n: [AnalysisFactory(owner=user) for _ in range(n)]),
    "generations": (
        "/api/v1/codegen/history/",
        lambda user, n: Generation.objects.bulk_create(
            Generation(owner=user, kind="code", language="python", prompt="p", output="o") for _ in range(n)
        ),
    ),
    "portfolios": (
        "/api/v1/portfolio/portfolios/",
        lambda user, n: [portfolio_services.create_portfolio(owner=user, name=f"P{next(NAMES)}") for _ in range(n)],
    ),
}


@pytest.mark.parametrize("name", LISTS)
def test_lists_take_as_many_queries_for_12_rows_as_for_2(name, auth_client, user, django_assert_max_num_queries):
    url, make = LISTS[name]
    _grows_by_nothing(auth_client, url, lambda n: make(user, n), django_assert_max_num_queries)


@pytest.mark.parametrize(
    "path", ["transactions/", "holdings/", "audit/", "allocation/", "dividends/", "performance/", "analytics/"]
)
def test_portfolio_reads_take_as_many_queries_for_12_transactions_as_for_2(
    path, auth_client, book, django_assert_max_num_queries
):
    portfolio, add = book
    _grows_by_nothing(
        auth_client, f"/api/v1/portfolio/portfolios/{portfolio.pk}/{path}", add, django_assert_max_num_queries
    )


def test_detail_endpoints_stay_under_the_bound(auth_client, user, book, django_assert_max_num_queries):
    portfolio, add = book
    add(6)
    job = JobFactory(owner=user)
    analysis = AnalysisFactory(owner=user)
    generation = Generation.objects.create(owner=user, kind="code", language="python", prompt="p", output="o")
    transaction = portfolio.transactions.order_by("-id").first()
    for url in (
        f"/api/v1/jobs/{job.pk}",
        f"/api/v1/nlp/analyses/{analysis.pk}/",
        f"/api/v1/codegen/history/{generation.pk}/",
        f"/api/v1/portfolio/portfolios/{portfolio.pk}/",
        f"/api/v1/portfolio/portfolios/{portfolio.pk}/transactions/{transaction.pk}/",
        "/api/v1/auth/me/",
        "/api/v1/market/stocks/ACME",
    ):
        with django_assert_max_num_queries(BOUND):
            assert auth_client.get(url).status_code == 200, url
