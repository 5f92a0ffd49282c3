"""A local HTTP server answering queued responses per path prefix: vendors' APIs, offline.

It records every request (path, query, lower-cased headers, JSON body) so tests can check what the
real client code sent.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeVendor:
    def __init__(self, *, default: tuple[int, object] = (404, {"error": "no route"})):
        self.routes: dict[str, list[tuple[int, object]]] = {}
        self.requests: list[dict] = []
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
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status in (429, 529):
                    self.send_header("retry-after", "0")
                self.end_headers()
                self.wfile.write(payload)

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
