"""A local stand-in for the Anthropic Messages API, so the real SDK code runs over real HTTP.

Tests queue the answers (status + JSON body) it gives, and read the requests it received.
"""

import json

from .http_server import FakeVendor, Stream


def message(
    text: str,
    *,
    model: str = "claude-test-1",
    input_tokens: int = 12,
    output_tokens: int = 7,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
) -> dict:
    """A Messages API answer in the shape Anthropic documents."""
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": cache_write_tokens,
            "cache_read_input_tokens": cache_read_tokens,
        },
    }


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def streamed(pieces: list[str], *, model: str = "claude-test-1", input_tokens: int = 12, delay: float = 0.0) -> Stream:
    """A streamed Messages API answer (the documented event sequence), one text delta per piece."""
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_stream",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1},
        },
    }
    chunks = [
        sse("message_start", start),
        sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    chunks += [
        sse(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    chunks += [
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(pieces)},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]
    return Stream(chunks, delay=delay)


def error(kind: str, text: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": text}}


class FakeAnthropic(FakeVendor):
    def __init__(self):
        super().__init__(default=(500, error("api_error", "no answer queued")))

    def queue(self, status: int, body: dict) -> None:
        self.answer("/v1/messages", status, body)
