from datetime import date
from decimal import Decimal

import pytest

from apps.portfolio import services
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db


def test_an_empty_portfolio_shows_what_to_do_not_an_empty_chart(client, user):
    client.force_login(user)
    portfolio = services.create_portfolio(owner=user, name="New")
    html = client.get(f"/portfolio/{portfolio.pk}/").content.decode()
    assert 'data-testid="portfolio-empty"' in html and "Record a transaction" in html
    assert f"/portfolio/{portfolio.pk}/transactions/" in html
    assert 'id="performance-chart"' not in html and 'id="portfolio-data"' not in html


def test_a_portfolio_with_transactions_has_its_charts(client, user):
    client.force_login(user)
    make_instrument("AAA", [100 + n for n in range(40)])
    portfolio = services.create_portfolio(owner=user, name="Book")
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(type="deposit", trade_date=date(2024, 1, 1), amount=Decimal(10_000)),
    )
    services.record_transaction(
        portfolio=portfolio,
        actor=user,
        data=services.TransactionInput(
            type="buy", trade_date=date(2024, 1, 2), symbol="AAA", quantity=Decimal(10), price=Decimal(100)
        ),
    )
    html = client.get(f"/portfolio/{portfolio.pk}/").content.decode()
    assert 'id="performance-chart"' in html and 'data-testid="portfolio-empty"' not in html
