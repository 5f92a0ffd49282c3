"""gunicorn settings for the `web` process (plain HTTP through WSGI).

Start-up work happens once, in the master, before it forks the workers (``preload_app``): Django,
every URL pattern and view module, and the default text-analysis models the `/api/v1/nlp/` views use
(``NLP_WARM_ON_WORKER_START``). A worker is a fork of that master, so it serves its first request
at once, and recycling one (``max_requests``) costs a fork, not seconds of model loading. Each
worker draws its own recycling point in [max_requests, 2 × max_requests), so two workers started
together do not restart together.
"""

import gc
import ipaddress
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: the fastest way to serve Django JSON views on these machines (see DESIGN.md).
# Generation streams (Server-Sent Events) go to the ASGI process instead (see platform/nginx.conf).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Timeouts, outermost first: nginx proxy_read_timeout (75 s) ≥ this (65 s) ≥ ANTHROPIC_TIMEOUT (60 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "65"))
graceful_timeout = 20
keepalive = 5
# GUNICORN_PRELOAD=0 for `--reload` in development (a reloaded worker must import the code itself).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))  # 0: never recycle
max_requests_jitter = max_requests
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
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


def on_starting(server):
    """In the master, after the app is imported and before any worker is forked: resolve every URL
    pattern (importing every view module) and load the default text-analysis models, then freeze
    what was loaded so the workers share those pages instead of copying them."""
    if not server.cfg.preload_app:
        return
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every urls.py and the views they name)

    from apps.nlp.apps import _warm_models

    _warm_models()
    _close_connections()
    gc.freeze()


def post_fork(server, worker):
    # A worker must not share the master's sockets to PostgreSQL or Redis (the master opens none,
    # but a warm-up that did would leave one behind).
    _close_connections()


def _close_connections():
    from django.db import connections

    connections.close_all()


def child_exit(server, worker):
    """A worker that exits leaves the sums of the live gauges (metrics multiprocess mode)."""
    from apps.core.metrics import mark_process_dead

    mark_process_dead(worker.pid)
