"""The realtime consumer over the configured channel layer (channels-redis in CI) and the feed."""

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.accounts import services as accounts
from apps.market import feed
from config.asgi import application
from tests.factories import UserFactory
from tests.market.conftest import bundled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
URL = "/ws/market/realtime/"


@pytest_asyncio.fixture(autouse=True)
async def _close_connections():
    from asgiref.sync import sync_to_async
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()


def session_headers(user):
    client = Client()
    client.force_login(user)
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()), (b"origin", b"http://testserver")]


async def connect(headers=((b"origin", b"http://testserver"),)):
    communicator = WebsocketCommunicator(application, URL, headers=list(headers))
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    return communicator


async def test_subscribe_snapshot_then_ticks():
    await database_sync_to_async(bundled)("GOOG")
    user = await database_sync_to_async(UserFactory)()
    ws = await connect(await database_sync_to_async(session_headers)(user))
    await ws.send_json_to({"action": "subscribe", "symbols": ["goog", "NOPE", "ALSO-NOPE"]})
    error = await ws.receive_json_from(timeout=3)
    assert error["code"] == "unknown_symbols" and error["symbols"] == ["ALSO-NOPE", "NOPE"]
    assert (await ws.receive_json_from(timeout=3))["symbols"] == ["GOOG"]
    snapshot = await ws.receive_json_from(timeout=3)
    assert snapshot["type"] == "snapshot" and snapshot["quote"]["price"] == "806.19000000"

    simulator = feed.Simulator(tick_seconds=1, seed=1)
    await database_sync_to_async(simulator.load)()
    ticks = simulator.step()
    await database_sync_to_async(feed.publish)(ticks)
    tick = await ws.receive_json_from(timeout=2)
    assert tick["type"] == "tick" and tick["symbol"] == "GOOG" and tick["source"] == "simulated"
    assert {"price", "time", "change", "change_percent", "volume"} <= set(tick)
    assert abs(tick["price"] / 806.19 - 1) < 0.01

    await ws.send_json_to({"action": "unsubscribe", "symbols": ["GOOG"]})
    assert (await ws.receive_json_from(timeout=2))["subscriptions"] == []
    await database_sync_to_async(feed.publish)(simulator.step())
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_auth_by_api_key_or_jwt_in_the_first_message():
    await database_sync_to_async(bundled)("GOOG")
    user = await database_sync_to_async(UserFactory)()
    _, key = await database_sync_to_async(accounts.create_api_key)(user=user, name="ws")
    ws = await connect()
    await ws.send_json_to({"action": "subscribe", "symbols": ["GOOG"]})
    assert (await ws.receive_json_from())["code"] == "not_authenticated"
    await ws.send_json_to({"action": "auth", "token": "aip_bad_key"})
    assert (await ws.receive_json_from())["code"] == "not_authenticated"
    await ws.send_json_to({"action": "auth", "token": key})
    assert (await ws.receive_json_from())["type"] == "authenticated"
    await ws.send_json_to({"action": "subscribe", "symbols": ["GOOG"]})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    await ws.disconnect()

    tokens = await database_sync_to_async(accounts.issue_tokens)(user=user)
    ws = await connect()
    await ws.send_json_to({"action": "auth", "token": tokens["access"]})
    assert (await ws.receive_json_from())["user"] == user.email
    await ws.disconnect()


async def test_bad_messages_get_error_frames_and_the_connection_stays():
    user = await database_sync_to_async(UserFactory)()
    ws = await connect(await database_sync_to_async(session_headers)(user))
    for bad, code in [
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('{"action": "dance"}', "unknown_action"),
        ('{"action": "subscribe", "symbols": "GOOG"}', "bad_symbols"),
        ('{"action": "subscribe", "symbols": []}', "bad_symbols"),
    ]:
        await ws.send_to(text_data=bad)
        assert (await ws.receive_json_from())["code"] == code
    too_many = [f"S{i}" for i in range(51)]
    await ws.send_json_to({"action": "subscribe", "symbols": too_many})
    assert (await ws.receive_json_from())["code"] == "too_many_symbols"
    await ws.disconnect()


async def subscribed_socket(symbols):
    user = await database_sync_to_async(UserFactory)()
    ws = await connect(await database_sync_to_async(session_headers)(user))
    await ws.send_json_to({"action": "subscribe", "symbols": symbols})
    frame = await ws.receive_json_from(timeout=3)
    assert frame["type"] == "subscribed" and frame["symbols"] == symbols
    return ws


async def next_frame(ws, kind: str, timeout: float = 3.0) -> dict:
    """The next frame of type ``kind``, skipping others (snapshots, ticks of other rounds)."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def test_subscribers_are_told_when_ticks_stop_and_when_they_resume(settings):
    settings.MARKET_FEED_INTERVAL = 0.2  # stale after 3 intervals without a tick
    await database_sync_to_async(bundled)("GOOG")
    ws = await subscribed_socket(["GOOG"])
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    stale = await ws.receive_json_from(timeout=3)  # nobody publishes
    assert stale["type"] == "status" and stale["state"] == "stale" and "No quotes" in stale["message"]
    assert await ws.receive_nothing(timeout=0.3)  # said once, not every interval

    simulator = feed.Simulator(tick_seconds=0.2, seed=2)
    await database_sync_to_async(simulator.load)()
    await database_sync_to_async(feed.publish)(simulator.step())
    assert await ws.receive_json_from(timeout=3) == {"type": "status", "state": "live"}
    tick = await ws.receive_json_from(timeout=3)
    assert tick["type"] == "tick" and tick["symbol"] == "GOOG"

    # A socket that subscribes while ticks are missing hears so right after its snapshot.
    assert (await next_frame(ws, "status"))["state"] == "stale"
    late = await subscribed_socket(["GOOG"])
    assert (await late.receive_json_from(timeout=3))["type"] == "snapshot"
    assert (await late.receive_json_from(timeout=3))["state"] == "stale"
    await ws.disconnect()
    await late.disconnect()


def run_feed_in_thread(**kwargs):
    import threading

    from django.db import connections

    stop = threading.Event()

    def target():
        try:
            feed.run(stop=stop, **kwargs)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return stop, thread


async def test_the_feed_picks_up_instruments_added_while_it_runs(monkeypatch, settings):
    from django.utils import timezone

    from apps.market.models import Instrument, Quote

    monkeypatch.setattr(feed, "RELOAD_SECONDS", 0.5)
    settings.MARKET_FEED_INTERVAL = 0.1
    await database_sync_to_async(bundled)("GOOG")
    stop, thread = run_feed_in_thread(tick_seconds=0.1, seed=3)
    try:
        ws = await subscribed_socket(["GOOG"])
        assert (await next_frame(ws, "tick"))["symbol"] == "GOOG"

        def add_instrument():
            acme = Instrument.objects.create(symbol="ACME", name="Acme Corp.")
            Quote.objects.create(instrument=acme, price="42.00", time=timezone.now(), source="test")

        await database_sync_to_async(add_instrument)()
        newcomer = await subscribed_socket(["ACME"])
        tick = await next_frame(newcomer, "tick", timeout=5)
        assert tick["symbol"] == "ACME" and abs(tick["price"] / 42 - 1) < 0.05
        await ws.disconnect()
        await newcomer.disconnect()
    finally:
        stop.set()
        await database_sync_to_async(thread.join, thread_sensitive=False)(10)
    assert not thread.is_alive()
