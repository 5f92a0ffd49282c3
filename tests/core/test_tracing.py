"""Optional Sentry and OpenTelemetry: off by default; when configured, the request id correlates both.

Each case runs a separate Python process (the SDKs patch process-wide state) against a local
collector that records what it is sent.
"""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.core import tracing

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django, os
django.setup()
from django.conf import settings
settings.ROOT_URLCONF = "tests.core.urls"
from django.test import Client
from apps.core import tracing
client = Client(raise_request_exception=False)
assert client.get("/health/live", HTTP_X_REQUEST_ID="corr-live-0001").status_code == 200
assert client.get("/test/explode/", HTTP_X_REQUEST_ID="corr-boom-0002").status_code == 500
tracing.flush()
"""


class Collector:
    def __init__(self):
        self.received: list[tuple[str, dict, bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                received.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def collector():
    server = Collector()
    yield server
    server.close()


def run_script(**env: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("SENTRY_DSN", "OTEL_EXPORTER_OTLP_ENDPOINT")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="CRITICAL")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_both_are_off_by_default(settings):
    assert settings.SENTRY_DSN == "" and settings.OTEL_EXPORTER_OTLP_ENDPOINT == ""
    assert tracing._sentry_on is False and tracing._otel_on is False


def test_opentelemetry_exports_request_spans_carrying_the_request_id(collector):
    run_script(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
    spans = []
    for path, _headers, body in collector.received:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                spans.extend(scope.spans)
    request_ids = {
        attribute.value.string_value
        for span in spans
        for attribute in span.attributes
        if attribute.key == "platform.request_id"
    }
    assert {"corr-live-0001", "corr-boom-0002"} <= request_ids


def test_sentry_reports_the_error_tagged_with_the_request_id(collector):
    dsn = collector.url.replace("http://", "http://publickey@") + "/42"
    run_script(SENTRY_DSN=dsn)
    events = []
    for path, _headers, body in collector.received:
        assert path == "/api/42/envelope/"
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    assert events, collector.received
    event = events[0]
    assert event["tags"]["request_id"] == "corr-boom-0002"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
