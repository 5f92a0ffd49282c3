"""The ASGI application (daphne's) answers HTTP and WebSockets; the job status stream."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async as run_in_sync_thread
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.db import connections
from django.test import Client

from apps.core import services
from config.asgi import application
from tests.factories import JobFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture(autouse=True)
async def _close_sync_thread_connections():
    """Django's ASGI handler runs views in asgiref's sync thread; close its connection afterwards."""
    yield
    await run_in_sync_thread(connections.close_all)()


def _session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://testserver")]


async def _connect(path, headers):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=3)
    return communicator, connected, code


async def test_asgi_serves_http():
    communicator = HttpCommunicator(application, "GET", "/health/live", headers=[(b"host", b"testserver")])
    response = await communicator.get_response(timeout=5)
    assert response["status"] == 200
    assert b'"ok"' in response["body"]


async def test_job_stream_sends_state_then_updates_to_the_owner():
    user = await sync_to_async(UserFactory)()
    job = await sync_to_async(JobFactory)(owner=user)
    headers = await sync_to_async(_session_headers)(user)

    communicator, connected, _ = await _connect(f"/ws/jobs/{job.id}/", headers)
    assert connected
    first = await communicator.receive_json_from(timeout=3)
    assert first["job"]["status"] == "queued"

    await sync_to_async(services.claim_job)(job_id=job.id)
    await sync_to_async(services.report_progress)(job_id=job.id, progress=60, message="working")
    running = await communicator.receive_json_from(timeout=3)
    assert running["job"]["status"] == "running"
    progress = await communicator.receive_json_from(timeout=3)
    assert progress["job"]["progress"] == 60
    assert progress["job"]["message"] == "working"
    await communicator.disconnect()


async def test_job_stream_refuses_another_user():
    owner, intruder = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    job = await sync_to_async(JobFactory)(owner=owner)
    headers = await sync_to_async(_session_headers)(intruder)
    _, connected, code = await _connect(f"/ws/jobs/{job.id}/", headers)
    assert not connected
    assert code == 4403


async def test_job_stream_refuses_anonymous_and_foreign_origins():
    user = await sync_to_async(UserFactory)()
    job = await sync_to_async(JobFactory)(owner=user)
    _, connected, _ = await _connect(f"/ws/jobs/{job.id}/", [(b"origin", b"http://testserver")])
    assert not connected
    headers = await sync_to_async(_session_headers)(user)
    foreign = [h for h in headers if h[0] != b"origin"] + [(b"origin", b"http://evil.example")]
    _, connected, _ = await _connect(f"/ws/jobs/{job.id}/", foreign)
    assert not connected


async def test_programs_without_an_origin_may_connect_and_authenticate():
    user = await sync_to_async(UserFactory)()
    job = await sync_to_async(JobFactory)(owner=user)
    headers = [h for h in await sync_to_async(_session_headers)(user) if h[0] != b"origin"]
    communicator, connected, _ = await _connect(f"/ws/jobs/{job.id}/", headers)
    assert connected
    await communicator.disconnect()
