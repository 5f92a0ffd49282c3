"""The client IP honours X-Forwarded-For only through TRUSTED_PROXIES: over HTTP (throttles,
lockouts, the security log, access logs) and over WebSocket (API-key sign-ins)."""

import logging

import pytest
from axes.models import AccessAttempt
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from apps.accounts.models import SecurityEvent
from apps.core.client_ip import client_ip_from_scope, resolve_client_ip
from config.asgi import application

PROXY = "10.9.8.7"
ATTACKER = "203.0.113.66"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32", "192.0.2.0/24"]
    return settings


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert resolve_client_ip(ATTACKER, "1.1.1.1") == ATTACKER
    assert resolve_client_ip("127.0.0.1", "1.1.1.1, 2.2.2.2") == "127.0.0.1"


def test_only_hops_the_trusted_proxy_vouches_for_are_read(behind_proxy):
    # A client that is not a trusted proxy: its header is its own invention.
    assert resolve_client_ip(ATTACKER, "1.1.1.1") == ATTACKER
    # Through the proxy: the entry it appended is the client; what the client forged (left) is not read.
    assert resolve_client_ip(PROXY, "1.1.1.1, 198.51.100.7") == "198.51.100.7"
    # Two trusted hops (the CIDR and the proxy): the first untrusted entry from the right.
    assert resolve_client_ip(PROXY, "1.1.1.1, 198.51.100.7, 192.0.2.44") == "198.51.100.7"
    # Garbage stops the walk at the last hop we can vouch for.
    assert resolve_client_ip(PROXY, "1.1.1.1, not-an-ip") == PROXY
    assert resolve_client_ip(PROXY, "") == PROXY
    assert resolve_client_ip(PROXY, "[2001:db8::5]:443") == "2001:db8::5"
    assert resolve_client_ip("::ffff:203.0.113.66", None) == ATTACKER
    assert resolve_client_ip(None, "1.1.1.1") is None


def test_an_asgi_scope_resolves_the_same_way(behind_proxy):
    scope = {"client": (PROXY, 1234), "headers": [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.9")]}
    assert client_ip_from_scope(scope) == "198.51.100.9"
    assert client_ip_from_scope({**scope, "client": (ATTACKER, 1)}) == ATTACKER
    assert client_ip_from_scope({"headers": []}) is None


def test_a_bad_trusted_proxies_value_stops_start_up():
    import os
    import subprocess
    import sys

    start = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", start],
        env={**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8,nonsense"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nonsense'" in result.stderr


def anon_post(remote_addr: str, forwarded: str | None = None):
    client = APIClient(REMOTE_ADDR=remote_addr)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post("/api/v1/auth/forgot-password/", {"email": "nobody@example.com"}, format="json", **extra)


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_buy_a_fresh_rate_limit(settings):
    settings.TRUSTED_PROXIES = []
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "anon": 3}
    statuses = [anon_post(ATTACKER, f"100.64.0.{i}").status_code for i in range(6)]
    assert statuses[:3] == [202, 202, 202]
    assert statuses[3:] == [429, 429, 429]


@pytest.mark.django_db
def test_through_a_trusted_proxy_each_client_has_its_own_budget(behind_proxy):
    behind_proxy.API_RATE_LIMITS = {**behind_proxy.API_RATE_LIMITS, "anon": 3}
    first = [anon_post(PROXY, "198.51.100.1").status_code for _ in range(4)]
    assert first == [202, 202, 202, 429]
    # Another client behind the same proxy is not limited by the first one's calls...
    assert anon_post(PROXY, "198.51.100.2").status_code == 202
    # ...and the first cannot escape its limit by forging an entry left of the proxy's.
    assert anon_post(PROXY, "198.51.100.99, 198.51.100.1").status_code == 429
    # A direct caller claiming to be a fresh client through the header gets the attacker's own budget.
    assert [anon_post(ATTACKER, "198.51.100.3").status_code for _ in range(4)][-1] == 429


@pytest.mark.django_db
def test_login_lockouts_and_the_audit_record_the_resolved_address(behind_proxy, user):
    def fail(remote_addr, forwarded):
        return APIClient(REMOTE_ADDR=remote_addr).post(
            "/api/v1/auth/login/",
            {"email": user.email, "password": "wrong-password-123"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    assert fail(ATTACKER, "198.51.100.50").status_code == 401
    assert fail(PROXY, "6.6.6.6, 198.51.100.60").status_code == 401
    attempts = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert attempts == {ATTACKER, "198.51.100.60"}
    events = set(SecurityEvent.objects.filter(kind="login_failed").values_list("ip_address", flat=True))
    assert events == {ATTACKER, "198.51.100.60"}


@pytest.mark.django_db
def test_the_access_log_names_the_resolved_client(behind_proxy, caplog):
    with caplog.at_level(logging.INFO, logger="apps.access"):
        APIClient(REMOTE_ADDR=PROXY).get("/health", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.70")
        APIClient(REMOTE_ADDR=ATTACKER).get("/health", HTTP_X_FORWARDED_FOR="198.51.100.71")
    seen = [record.client_ip for record in caplog.records if record.name == "apps.access"]
    assert seen == ["198.51.100.70", ATTACKER]


async def _ws_bad_api_key(client: tuple[str, int], forwarded: bytes | None) -> dict:
    headers = [(b"x-forwarded-for", forwarded)] if forwarded else []
    communicator = WebsocketCommunicator(application, "/ws/market/realtime/", headers=headers)
    communicator.scope["client"] = client
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    await communicator.send_json_to({"action": "auth", "token": "aip_0badc0de_nope"})
    answer = await communicator.receive_json_from(timeout=3)
    await communicator.disconnect()
    return answer


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_sign_ins_resolve_the_client_the_same_way(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    assert (await _ws_bad_api_key((ATTACKER, 5555), b"198.51.100.80"))["code"] == "not_authenticated"
    assert (await _ws_bad_api_key((PROXY, 5555), b"6.6.6.6, 198.51.100.81"))["code"] == "not_authenticated"

    def recorded():
        return (
            set(SecurityEvent.objects.filter(kind="api_key_rejected").values_list("ip_address", flat=True)),
            set(AccessAttempt.objects.values_list("ip_address", flat=True)),
        )

    events, attempts = await database_sync_to_async(recorded)()
    assert events == {ATTACKER, "198.51.100.81"}
    assert attempts == {ATTACKER, "198.51.100.81"}
    from django.db import connections

    await database_sync_to_async(connections.close_all)()
