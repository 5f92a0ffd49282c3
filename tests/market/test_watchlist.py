import pytest
from django.db import IntegrityError, transaction

from apps.market import selectors, services
from apps.market.models import WatchlistItem

pytestmark = pytest.mark.django_db


def test_watch_is_idempotent_and_per_user(user, other_user, goog, eurusd):
    services.watch_instrument(user=user, symbol="goog")
    services.watch_instrument(user=user, symbol="GOOG")
    services.watch_instrument(user=user, symbol="EURUSD")
    services.watch_instrument(user=other_user, symbol="GOOG")
    assert [i.symbol for i in selectors.watchlist(user=user)] == ["EURUSD", "GOOG"]
    assert [i.symbol for i in selectors.watchlist(user=other_user)] == ["GOOG"]
    assert services.unwatch_instrument(user=user, symbol="GOOG") is True
    assert services.unwatch_instrument(user=user, symbol="GOOG") is False
    assert [i.symbol for i in selectors.watchlist(user=user)] == ["EURUSD"]
    assert selectors.is_watched(user=other_user, instrument=goog)


def test_the_database_refuses_a_duplicate(user, goog):
    WatchlistItem.objects.create(user=user, instrument=goog)
    with pytest.raises(IntegrityError), transaction.atomic():
        WatchlistItem.objects.create(user=user, instrument=goog)


def test_api_list_add_remove(auth_client, user, goog, eurusd):
    assert auth_client.get("/api/v1/market/watchlist/").json() == []
    response = auth_client.post("/api/v1/market/watchlist/", {"symbol": "goog"}, format="json")
    assert response.status_code == 201 and response.json()["symbol"] == "GOOG"
    auth_client.post("/api/v1/market/watchlist/", {"symbol": "EURUSD"}, format="json")
    body = auth_client.get("/api/v1/market/watchlist/").json()
    assert [row["symbol"] for row in body] == ["EURUSD", "GOOG"]
    assert body[1]["price"] == "806.19000000" and body[1]["source"] == "last close"
    assert auth_client.delete("/api/v1/market/watchlist/GOOG").status_code == 204
    assert [row["symbol"] for row in auth_client.get("/api/v1/market/watchlist/").json()] == ["EURUSD"]
    gone = auth_client.delete("/api/v1/market/watchlist/GOOG")
    assert gone.status_code == 404 and "not on your watchlist" in gone.json()["error"]["message"]


@pytest.mark.parametrize("payload", [{}, {"symbol": ""}, {"symbol": "BAD SYMBOL!"}, {"symbol": "NOPE"}])
def test_api_bad_symbol_names_the_field(auth_client, goog, payload):
    response = auth_client.post("/api/v1/market/watchlist/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "symbol" in error["fields"]
    assert WatchlistItem.objects.count() == 0


def test_api_needs_a_login(api_client, db):
    assert api_client.get("/api/v1/market/watchlist/").status_code in (401, 403)


def test_watch_button_and_dashboard_panel(client, user, goog):
    client.force_login(user)
    page = client.get("/market/GOOG/").content.decode()
    assert "Watch</button>" in page and "Unwatch" not in page
    response = client.post("/market/GOOG/watch/")
    assert response.status_code == 302 and selectors.is_watched(user=user, instrument=goog)
    assert "Unwatch</button>" in client.get("/market/GOOG/").content.decode()
    dashboard = client.get("/").content.decode()
    panel = dashboard.split('data-testid="dashboard-watchlist"')[1].split("</ul>")[0]
    assert 'data-live-symbol="GOOG"' in panel and "806.19" in panel
    client.post("/market/GOOG/watch/", {"action": "unwatch"})
    assert not selectors.is_watched(user=user, instrument=goog)
    assert "Nothing watched yet" in client.get("/").content.decode()
