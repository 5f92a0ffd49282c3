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
