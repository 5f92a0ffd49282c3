"""The cached portfolio reads (dashboard, performance, analytics, allocation, dividends): answered
from the cache when nothing changed, and never stale after a ledger write or new bars."""

from datetime import date
from decimal import Decimal

import pytest

from apps.market import services as market_services
from apps.market.models import Bar
from tests.portfolio.conftest import fund, txn

pytestmark = pytest.mark.django_db
API = "/api/v1/portfolio/portfolios/"


@pytest.fixture
def held(user, portfolio, acme):
    from apps.portfolio import services

    fund(portfolio, user)
    services.record_transaction(
        portfolio=portfolio, actor=user, data=txn("buy", date(2024, 1, 3), "ACME", quantity="10", price="101")
    )
    return portfolio


def test_a_repeated_read_comes_from_the_cache(auth_client, held, django_assert_max_num_queries):
    url = f"{API}{held.pk}/performance/"
    first = auth_client.get(url).json()
    # the portfolio, the ledger's instruments (for the versions), the benchmark: no replay, no bars
    with django_assert_max_num_queries(4):
        again = auth_client.get(url).json()
    assert again == first


@pytest.mark.parametrize("path", ["performance/", "analytics/", "allocation/", "dividends/"])
def test_a_ledger_write_is_seen_by_the_next_read(auth_client, held, path):
    url = f"{API}{held.pk}/{path}"
    before = auth_client.get(url).json()
    response = auth_client.post(
        f"{API}{held.pk}/transactions/",
        {"type": "dividend", "symbol": "ACME", "amount": "50", "trade_date": "2024-01-10"},
        format="json",
    )
    assert response.status_code == 201
    after = auth_client.get(url).json()
    assert after != before


def test_new_bars_are_seen_by_the_next_read(auth_client, held, acme):
    url = f"{API}{held.pk}/performance/"
    before = auth_client.get(url).json()
    last = Bar.objects.filter(instrument=acme).order_by("-time").first()
    Bar.objects.filter(pk=last.pk).update(close=Decimal("500"))  # a corrected close arrives
    acme.quote.delete()  # the value now comes from the last close
    market_services.bars_changed(instrument=acme)
    after = auth_client.get(url).json()
    assert after["summary"]["end_value"] > before["summary"]["end_value"]


def test_the_dashboard_computes_the_allocation_once(client, user, held, django_assert_max_num_queries):
    client.force_login(user)
    url = f"/portfolio/{held.pk}/"
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):  # warm: session, portfolio, versions, realised rows
        response = client.get(url)
    assert response.status_code == 200
