"""Conversations: a generation can be continued; the earlier turns are sent to Claude as messages and
the new turn is stored linked to them. Against the fake Anthropic server."""

import pytest
from rest_framework.test import APIClient

from apps.codegen.models import Generation
from tests.fakes.anthropic_server import message

pytestmark = pytest.mark.django_db
API = "/api/v1/codegen/"

FIRST = "```python\ndef add(a, b):\n    return a + b\n```"
SECOND = "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"
THIRD = "```python\ndef add(*xs: int) -> int:\n    return sum(xs)\n```"


def post(client, **data):
    return client.post(f"{API}generate/code/", {"language": "python", **data}, format="json")


def test_a_generation_is_continued_with_its_earlier_turns(auth_client, claude):
    claude.queue(200, message(FIRST))
    claude.queue(200, message(SECOND))
    claude.queue(200, message(THIRD))
    first = post(auth_client, prompt="add two numbers").json()
    assert first["conversation"] == first["id"] and first["parent"] is None
    assert claude.requests[0]["json"]["messages"][0]["role"] == "user"
    assert len(claude.requests[0]["json"]["messages"]) == 1

    second = post(auth_client, prompt="now with type hints", conversation=first["id"])
    assert second.status_code == 201, second.json()
    second = second.json()
    assert second["parent"] == first["id"] and second["conversation"] == first["id"]
    assert second["code"] == "def add(a: int, b: int) -> int:\n    return a + b"
    sent = claude.requests[1]["json"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "add two numbers" and sent[1]["content"] == FIRST
    assert "now with type hints" in sent[2]["content"]

    third = post(auth_client, prompt="any number of them", conversation=second["id"]).json()
    sent = claude.requests[2]["json"]["messages"]
    assert [m["content"] for m in sent[:4]] == ["add two numbers", FIRST, "now with type hints", SECOND]
    assert third["conversation"] == first["id"] and third["parent"] == second["id"]

    for turn in (first, second, third):  # any turn shows the whole conversation
        body = auth_client.get(f"{API}conversations/{turn['id']}/").json()
        assert body["conversation"] == first["id"]
        assert [t["id"] for t in body["turns"]] == [first["id"], second["id"], third["id"]]
        assert [t["prompt"] for t in body["turns"]] == ["add two numbers", "now with type hints", "any number of them"]


def test_another_users_conversation_is_not_found(auth_client, claude, other_user):
    claude.queue(200, message(FIRST))
    mine = post(auth_client, prompt="add two numbers").json()
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    refused = post(stranger, prompt="continue", conversation=mine["id"])
    assert refused.status_code == 404 and refused.json()["error"]["code"]
    assert stranger.get(f"{API}conversations/{mine['id']}/").status_code == 404
    assert len(claude.requests) == 1  # Claude was never asked
    assert Generation.objects.filter(owner=other_user).count() == 0
    assert post(auth_client, prompt="x", conversation=999999).status_code == 404


def test_a_conversation_that_is_not_a_number_is_a_400(auth_client, claude):
    response = post(auth_client, prompt="x", conversation="abc")
    assert response.status_code == 400 and "conversation" in response.json()["error"]["fields"]


def test_a_failed_generation_cannot_be_continued(auth_client, claude, user):
    failed = Generation.objects.create(
        owner=user, kind="code", language="python", prompt="x", status=Generation.Status.CANCELLED
    )
    response = post(auth_client, prompt="go on", conversation=failed.pk)
    assert response.status_code == 400 and "conversation" in response.json()["error"]["fields"]
    assert claude.requests == []


def test_a_streamed_turn_continues_the_conversation(auth_client, claude):
    from tests.fakes.anthropic_server import streamed

    claude.queue(200, message(FIRST))
    first = post(auth_client, prompt="add two numbers").json()
    claude.queue(200, streamed(["```python\n", "def add(a, b): return a + b\n", "```"]))
    response = auth_client.post(
        f"{API}generate/code/?stream=1",
        {"language": "python", "prompt": "one line", "conversation": first["id"]},
        format="json",
    )
    b"".join(response.streaming_content)
    turn = Generation.objects.exclude(pk=first["id"]).get()
    assert turn.parent_id == first["id"] and turn.conversation_id == first["id"]
    assert [m["role"] for m in claude.requests[1]["json"]["messages"]] == ["user", "assistant", "user"]
