"""The personal dashboard: the person's portfolios with today's change, movers and the latest news."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.market import services as market_services
from apps.market.models import Quote
from apps.portfolio import services
from tests.factories import UserFactory
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db


def test_dashboard_shows_value_day_change_movers_and_news(client):
    user = UserFactory()
    acme = make_instrument("ACME", [100, 101, 102])
    portfolio = services.create_portfolio(owner=user, name="Pension")
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(type="deposit", trade_date=date(2024, 1, 1), amount=Decimal(1_000_000)),
    )
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(
            type="buy", trade_date=date(2024, 1, 2), symbol="ACME", quantity=Decimal(1000), price=Decimal(101)
        ),
    )
    quote = Quote.objects.get(instrument=acme)
    assert (quote.price, quote.previous_close) == (102, 101)
    market_services.add_news(
        items=[
            {
                "headline": "Acme beats estimates",
                "summary": "",
                "symbols": ["ACME"],
                "published_at": datetime(2024, 1, 3, tzinfo=UTC),
                "source": "Test",
                "url": "https://example.com/acme",
            }
        ]
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'data-testid="dashboard-portfolios"' in html
    # 899,000 cash + 1,000 × 102; up 1,000 × (102 − 101) since the previous close.
    assert "1,001,000.00 USD" in html
    assert "+1,000.00 (0.10%) today" in html
    assert 'data-live-symbol="ACME"' in html and "+0.99%" in html
    assert "Acme beats estimates" in html


def test_dashboard_without_portfolios_says_how_to_start(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert "No portfolio yet." in html
