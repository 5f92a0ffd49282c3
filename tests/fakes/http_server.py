"""A local HTTP server answering queued responses per path prefix: vendors' APIs, offline.

It records every request (path, query, lower-cased headers, JSON body) so tests can check what the
real client code sent.
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Stream:
    """An answer sent in pieces (e.g. Server-Sent Events), ``delay`` seconds apart."""

    chunks: list[bytes]
    content_type: str = "text/event-stream"
    delay: float = 0.0
    # Send ``hold_after`` chunks, then wait for ``release`` before the rest (a test can then show
    # that what was sent reached the client while the vendor was still writing).
    hold_after: int | None = None
    release: threading.Event | None = None


class FakeVendor:
    def __init__(self, *, default: tuple[int, object] = (404, {"error": "no route"})):
        self.routes: dict[str, list[tuple[int, object]]] = {}
        self.requests: list[dict] = []
        self.disconnects = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": url.path,
                        "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body) if body else None,
                    }
                )
                prefix = next((p for p in fake.routes if url.path.startswith(p) and fake.routes[p]), None)
                status, answer = fake.routes[prefix].pop(0) if prefix else default
                if isinstance(answer, Stream):
                    return self._stream(status, answer)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status in (429, 529):
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, status, answer: Stream):
                self.send_response(status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for n, chunk in enumerate(answer.chunks):
                        if n == answer.hold_after and answer.release is not None:
                            answer.release.wait(30)
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        time.sleep(answer.delay)
                except (BrokenPipeError, ConnectionResetError):
                    fake.disconnects += 1  # the client stopped reading: a cancelled stream
                self.close_connection = True

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, prefix: str, status: int, body) -> None:
        self.routes.setdefault(prefix, []).append((status, body))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
