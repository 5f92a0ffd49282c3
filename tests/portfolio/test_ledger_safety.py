"""A ledger that is hard to damage: delete then undo, edit from the page, repeated imports held back,
every bad line of an import listed at once."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.portfolio import services
from apps.portfolio.models import AuditEntry, Transaction
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def book(user):
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
    return portfolio


def _upload(text: str, name: str = "broker.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_deleted_transaction_can_be_undone_from_the_page(logged_in, book):
    buy = Transaction.objects.get(portfolio=book, type="buy")
    page = logged_in.post(f"/portfolio/{book.pk}/transactions/{buy.pk}/delete/", follow=True).content.decode()
    assert not Transaction.objects.filter(portfolio=book, type="buy").exists()
    assert not book.holdings.filter(instrument__symbol="AAA").exists()
    assert 'data-testid="undo-delete"' in page and "2024-01-02 buy AAA 10" in page
    # The delete form asks first (the page's script shows this question).
    assert "You can undo it for ten minutes." in logged_in.get(f"/portfolio/{book.pk}/transactions/").content.decode()

    logged_in.post(f"/portfolio/{book.pk}/transactions/undo/")
    restored = Transaction.objects.get(portfolio=book, type="buy")
    assert (restored.quantity, restored.price, restored.trade_date) == (10, 100, date(2024, 1, 2))
    assert book.holdings.get(instrument__symbol="AAA").quantity == 10
    assert AuditEntry.objects.filter(portfolio=book, action="restore").count() == 1
    # Once used, the offer is gone: a second undo changes nothing.
    again = logged_in.post(f"/portfolio/{book.pk}/transactions/undo/", follow=True).content.decode()
    assert "nothing to undo" in again
    assert Transaction.objects.filter(portfolio=book, type="buy").count() == 1


def test_undo_expires_and_belongs_to_its_portfolio(logged_in, book, user, monkeypatch):
    from apps.portfolio import views

    other = services.create_portfolio(owner=user, name="Other")
    buy = Transaction.objects.get(portfolio=book, type="buy")
    logged_in.post(f"/portfolio/{book.pk}/transactions/{buy.pk}/delete/")
    logged_in.post(f"/portfolio/{other.pk}/transactions/undo/")
    assert not Transaction.objects.filter(type="buy").exists()
    now = views.time.time()
    monkeypatch.setattr(views.time, "time", lambda: now + views.UNDO_SECONDS + 1)
    response = logged_in.post(f"/portfolio/{book.pk}/transactions/undo/", follow=True)
    assert "nothing to undo" in response.content.decode()
    assert not Transaction.objects.filter(type="buy").exists()


def test_edit_a_transaction_from_the_page(logged_in, book):
    buy = Transaction.objects.get(portfolio=book, type="buy")
    url = f"/portfolio/{book.pk}/transactions/{buy.pk}/edit/"
    form = logged_in.get(url).content.decode()
    assert 'value="AAA"' in form and 'value="10"' in form
    data = {
        "txn-type": "buy",
        "txn-trade_date": "2024-01-02",
        "txn-symbol": "AAA",
        "txn-quantity": "12",
        "txn-price": "100",
        "txn-fees": "0",
    }
    assert logged_in.post(url, data).status_code == 302
    buy.refresh_from_db()
    assert buy.quantity == 12
    assert book.holdings.get(instrument__symbol="AAA").quantity == 12
    assert AuditEntry.objects.filter(portfolio=book, action="update").count() == 1
    # The same rules as the API: more than the cash is refused and nothing changes.
    too_much = logged_in.post(url, {**data, "txn-quantity": "1000"})
    assert too_much.status_code == 400
    buy.refresh_from_db()
    assert buy.quantity == 12


def test_another_users_transaction_cannot_be_edited(client, book):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    buy = Transaction.objects.get(portfolio=book, type="buy")
    assert client.get(f"/portfolio/{book.pk}/transactions/{buy.pk}/edit/").status_code == 404


def test_importing_the_same_file_twice_is_held_back_until_import_anyway(logged_in, book):
    text = "date,type,symbol,quantity,price\n2024-02-01,buy,AAA,1,101\n2024-02-02,buy,AAA,2,102.00\n"
    url = f"/portfolio/{book.pk}/transactions/import/"
    assert logged_in.post(url, {"file": _upload(text)}).status_code == 302
    assert Transaction.objects.filter(portfolio=book).count() == 4

    # The same rows again (here with "102" written differently) are recognised, and nothing is added.
    again = text.replace("102.00", "102")
    response = logged_in.post(url, {"file": _upload(again)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Every row of this file (2) is already in the ledger" in html
    assert 'data-testid="import-anyway"' in html
    assert Transaction.objects.filter(portfolio=book).count() == 4

    digest = hashlib.sha256(again.encode()).hexdigest()
    assert f'value="{digest}"' in html
    assert logged_in.post(url, {"pending": digest, "import_anyway": "on"}).status_code == 302
    assert Transaction.objects.filter(portfolio=book).count() == 6
    assert book.holdings.get(instrument__symbol="AAA").quantity == 16
    # The held file is used once.
    gone = logged_in.post(url, {"pending": digest, "import_anyway": "on"})
    assert gone.status_code == 400 and "waited too long" in gone.content.decode()


def test_a_partly_repeated_file_names_the_repeated_lines(user, book):
    services.import_transactions(
        portfolio=book, actor=user, data=b"date,type,amount\n2024-03-01,deposit,500\n2024-03-02,deposit,600\n"
    )
    with pytest.raises(services.DuplicateImport) as caught:
        services.import_transactions(
            portfolio=book, actor=user, data=b"date,type,amount\n2024-03-05,deposit,700\n2024-03-02,deposit,600.0\n"
        )
    assert caught.value.lines == [3] and caught.value.total == 2
    assert "1 of 2 rows repeat" in caught.value.messages[0]
    assert Transaction.objects.filter(portfolio=book, type="deposit").count() == 3


def test_every_bad_line_is_listed_at_once(logged_in, book):
    start = date(2024, 4, 1)
    lines = ["date,type,symbol,quantity,price,amount"]
    for n in range(40):
        day = start + timedelta(days=n)
        if n % 2:
            lines.append(f"{day},buy,ZZZ{n},1,10,")  # unknown symbol (found when checking)
        else:
            lines.append(f"{day},deposit,,,,{'x' if n % 4 == 0 else 5}")  # not a number (found when parsing)
    response = logged_in.post(f"/portfolio/{book.pk}/transactions/import/", {"file": _upload("\n".join(lines))})
    html = response.content.decode()
    assert response.status_code == 400
    bad = [n + 2 for n in range(40) if n % 2 or n % 4 == 0]
    assert len(bad) == 30
    for line in bad:
        assert f"Line {line}:" in html
    assert html.index("Line 2:") < html.index("Line 3:") < html.index("Line 41:")
    assert Transaction.objects.filter(portfolio=book).count() == 2


def test_the_api_holds_back_a_repeated_file_too(user, book):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    url = f"/api/v1/portfolio/portfolios/{book.pk}/transactions/import/"
    text = "date,type,amount\n2024-03-01,deposit,500\n"
    assert api.post(url, {"file": _upload(text)}, format="multipart").status_code == 201
    repeated = api.post(url, {"file": _upload(text)}, format="multipart")
    assert repeated.status_code == 400
    assert repeated.json()["error"]["fields"]["file"]
    forced = api.post(url, {"file": _upload(text), "import_anyway": "true"}, format="multipart")
    assert forced.status_code == 201
    assert Transaction.objects.filter(portfolio=book, type="deposit").count() == 3
