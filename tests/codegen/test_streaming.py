"""Streaming through the SDK's event stream, relayed as Server-Sent Events; cancelling closes it."""

import json
import time

import pytest

from apps.codegen.models import Generation
from tests.fakes.anthropic_server import error, streamed

pytestmark = pytest.mark.django_db
API = "/api/v1/codegen/"


def events(response) -> list[tuple[str, dict]]:
    out = []
    for block in b"".join(response.streaming_content).decode().strip().split("\n\n"):
        name, data = block.split("\n")
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def test_tokens_stream_as_they_arrive_and_the_generation_is_recorded(auth_client, claude):
    pieces = ["```python\n", "def add(a, b):\n", "    return a + b\n", "```"]
    claude.queue(200, streamed(pieces, input_tokens=40))
    response = auth_client.post(f"{API}generate/code/?stream=1", {"prompt": "add", "language": "python"}, format="json")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    got = events(response)
    assert [e for e, _ in got] == ["text"] * 4 + ["done"]
    assert "".join(d["text"] for e, d in got if e == "text") == "".join(pieces)
    generation = Generation.objects.get(pk=got[-1][1]["generation"])
    assert generation.code == "def add(a, b):\n    return a + b" and generation.syntax["ok"] is True
    assert (generation.input_tokens, generation.output_tokens, generation.status) == (40, 4, "succeeded")
    assert claude.requests[0]["json"]["stream"] is True


def test_a_failing_stream_ends_with_an_error_event(auth_client, claude):
    for _ in range(3):
        claude.queue(529, error("overloaded_error", "overloaded"))
    response = auth_client.post(
        f"{API}generate/explain/?stream=1", {"code": "x = 1", "language": "python"}, format="json"
    )
    ((event, data),) = events(response)
    assert event == "error" and "529" in data["message"]
    assert not Generation.objects.exists()


def test_bad_input_is_still_a_json_400_before_any_stream(auth_client, claude):
    response = auth_client.post(f"{API}generate/code/?stream=1", {"prompt": "", "language": "python"}, format="json")
    assert response.status_code == 400 and "prompt" in response.json()["error"]["fields"]
    assert claude.requests == []


@pytest.mark.django_db(transaction=True)  # closing a response closes the request's connection too
def test_cancelling_closes_the_upstream_request(auth_client, claude):
    claude.queue(200, streamed([f"line {n}\n" for n in range(200)], delay=0.02))
    response = auth_client.post(
        f"{API}generate/code/?stream=1", {"prompt": "long", "language": "python"}, format="json"
    )
    stream = iter(response.streaming_content)
    first = next(stream)
    assert b"event: text" in first
    response.close()  # the browser went away (or pressed Cancel)
    deadline = time.monotonic() + 5
    while claude.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert claude.disconnects == 1  # Claude's stream was cut, not read to the end
    cancelled = Generation.objects.get()
    assert cancelled.status == "cancelled" and cancelled.output.startswith("line 0")


# --- under an ASGI server (daphne: `make run` without Redis, and the streams nginx sends to `ws`) ---
# The project's ASGI application is driven the way daphne drives it (scope, receive, send), so the
# stream goes through Django's ASGI handler, which cancels the response when the client goes away.


def _post_through_asgi(path: str, body: dict, *, key: str, on_body) -> list[bytes]:
    """POST ``body`` to ``path`` through config.asgi; ``on_body(chunk)`` sees each body message as it
    is sent and may return True to make the client go away. Returns the body chunks sent."""
    import asyncio

    from asgiref.sync import async_to_sync
    from django.core import signals
    from django.db import close_old_connections

    from config.asgi import application

    raw = json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"stream=1",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
            (b"authorization", f"Bearer {key}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    chunks: list[bytes] = []

    async def drive():
        gone = asyncio.Event()
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": raw, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                assert message["status"] == 200, message
            elif message.get("body"):
                chunks.append(message["body"])
                if on_body(message["body"]):
                    gone.set()

        await application(scope, receive, send)

    # As Django's test client does: the test's transaction must outlive the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        async_to_sync(drive)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return chunks


def _events_of(chunks: list[bytes]) -> list[tuple[str, dict]]:
    out = []
    for block in b"".join(chunks).decode().strip().split("\n\n"):
        name, data = block.split("\n")
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


@pytest.fixture
def api_key(user):
    from apps.accounts import services as accounts

    return accounts.create_api_key(user=user, name="stream test")[1]


def test_under_asgi_each_token_is_sent_while_claude_is_still_writing(claude, api_key):
    import threading

    release = threading.Event()
    answer = streamed(["```python\n", "x = 1\n", "```"], input_tokens=30)
    answer.hold_after, answer.release = 3, release  # message_start, block start, the first token
    claude.queue(200, answer)
    first_token_while_held = []

    def on_body(chunk):
        if b"event: text" in chunk and not first_token_while_held:
            first_token_while_held.append(not release.is_set())
            release.set()  # now let the fake Claude finish

    got = _events_of(
        _post_through_asgi(f"{API}generate/code/", {"prompt": "x", "language": "python"}, key=api_key, on_body=on_body)
    )
    # The first token reached the client before Claude sent the rest: nothing waits for the end.
    assert first_token_while_held == [True]
    assert [e for e, _ in got] == ["text"] * 3 + ["done"]
    generation = Generation.objects.get(pk=got[-1][1]["generation"])
    assert (generation.status, generation.code, generation.input_tokens) == ("succeeded", "x = 1", 30)


def test_under_asgi_the_client_going_away_closes_claudes_stream_and_keeps_the_partial_answer(claude, api_key):
    import threading

    release = threading.Event()
    answer = streamed([f"line {n}\n" for n in range(200)], delay=0.01)
    answer.hold_after, answer.release = 3, release
    claude.queue(200, answer)

    def on_body(chunk):
        return b"event: text" in chunk  # the browser closes the stream after the first token

    chunks = _post_through_asgi(
        f"{API}generate/code/", {"prompt": "long", "language": "python"}, key=api_key, on_body=on_body
    )
    release.set()  # the fake Claude goes on writing, into a connection the platform has closed
    deadline = time.monotonic() + 5
    while claude.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert claude.disconnects == 1  # Claude's stream was cut, not read to the end
    assert [e for e, _ in _events_of(chunks)] == ["text"]
    cancelled = Generation.objects.get()
    assert (cancelled.status, cancelled.output) == ("cancelled", "line 0\n")


def test_under_wsgi_each_token_is_sent_while_claude_is_still_writing(auth_client, claude):
    import threading

    release = threading.Event()
    answer = streamed(["```python\n", "x = 1\n", "```"])
    answer.hold_after, answer.release = 3, release
    claude.queue(200, answer)
    response = auth_client.post(f"{API}generate/code/?stream=1", {"prompt": "x", "language": "python"}, format="json")
    stream = iter(response.streaming_content)
    first = next(stream)
    assert b"event: text" in first and not release.is_set()  # sent before Claude wrote the rest
    release.set()
    assert b"event: done" in b"".join(stream)
