"""A local HTTP server answering queued responses per path prefix: vendors' APIs, offline."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeVendor:
    def __init__(self):
        self.routes: dict[str, list[tuple[int, object]]] = {}
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                fake.requests.append({"path": url.path, "query": {k: v[0] for k, v in parse_qs(url.query).items()}})
                prefix = next((p for p in fake.routes if url.path.startswith(p) and fake.routes[p]), None)
                status, body = fake.routes[prefix].pop(0) if prefix else (404, {"error": "no route"})
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
