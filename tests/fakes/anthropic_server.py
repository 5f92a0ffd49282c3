"""A local stand-in for the Anthropic Messages API, so the real SDK code runs over real HTTP.

Tests queue the answers (status + JSON body) it gives, and read the requests it received.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def message(text: str, *, model: str = "claude-test-1", input_tokens: int = 12, output_tokens: int = 7) -> dict:
    """A Messages API answer in the shape Anthropic documents."""
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def error(kind: str, text: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": text}}


class FakeAnthropic:
    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(self.rfile.read(length) or b"{}"),
                    }
                )
                status, body = fake.answers.pop(0) if fake.answers else (500, error("api_error", "no answer queued"))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status in (429, 529):
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def queue(self, status: int, body: dict) -> None:
        self.answers.append((status, body))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
