"""A local stand-in for the Anthropic Messages API, so the real SDK code runs over real HTTP.

Tests queue the answers (status + JSON body) it gives, and read the requests it received.
"""

from .http_server import FakeVendor


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


def error(kind: str, text: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": text}}


class FakeAnthropic(FakeVendor):
    def __init__(self):
        super().__init__(default=(500, error("api_error", "no answer queued")))

    def queue(self, status: int, body: dict) -> None:
        self.answer("/v1/messages", status, body)
