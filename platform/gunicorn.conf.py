"""gunicorn settings for the `web` process (plain HTTP through WSGI)."""

import ipaddress
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: the fastest way to serve Django JSON views on these machines (see DESIGN.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Whose X-Forwarded-Proto gunicorn believes: the same hops the application trusts for the client IP
# (TRUSTED_PROXIES, CIDRs), unless FORWARDED_ALLOW_IPS says otherwise; with neither, only loopback.
_trusted = [
    str(ipaddress.ip_network(value.strip(), strict=False))
    for value in os.environ.get("TRUSTED_PROXIES", "").split(",")
    if value.strip()
]
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ",".join(_trusted) or "127.0.0.1"
accesslog = None  # the app logs each request as JSON with its request id
errorlog = "-"


def post_worker_init(worker):
    """Load the text-analysis models before this worker takes requests (a few seconds at start),
    so no request waits for them and no request competes with the loading for the GIL."""
    from apps.nlp.apps import _warm_models

    _warm_models()
