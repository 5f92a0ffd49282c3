"""Prometheus metrics for every process of the platform: web, ws, workers, beat and the feed.

Names follow ``platform_<area>_<what>_<unit>``. With ``PROMETHEUS_MULTIPROC_DIR`` set (the Procfiles,
``make run`` and the deployment files set it), each process writes its samples to files in that
directory and ``/metrics`` on any web process of the machine serves the sum over all of them
(prometheus_client's multiprocess mode). Without it, ``/metrics`` shows the serving process only.
A process on a machine with no web process (a worker node) serves its own on ``METRICS_PORT``.

Labels are bounded: routes are URL patterns (``api/v1/market/stocks/<str:symbol>``), never paths;
models, providers, job kinds and queues are names from the code or settings.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db.models import Count
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

REQUEST_DURATION = Histogram(
    "platform_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by route and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_ERRORS = Counter(
    "platform_http_errors_total",
    "Responses with a 5xx status (server errors and unavailable dependencies), by route.",
    ["method", "route", "status"],
)
DB_QUERY_DURATION = Histogram(
    "platform_db_query_duration_seconds",
    "Time of each database query, by connection alias and statement kind.",
    ["alias", "statement"],
    buckets=QUERY_BUCKETS,
)
DB_POOL_CONNECTIONS = Gauge(
    "platform_db_pool_connections",
    "Connections of this process's PostgreSQL pool: size, available and requests waiting for one.",
    ["state"],
    multiprocess_mode="livesum",
)
CACHE_REQUESTS = Counter(
    "platform_cache_requests_total",
    "Cache reads, by result (hit or miss).",
    ["result"],
)
WS_CONNECTIONS = Gauge(
    "platform_ws_connections",
    "Open WebSocket connections, by route.",
    ["route"],
    multiprocess_mode="livesum",
)
WS_MESSAGES_SENT = Counter(
    "platform_ws_messages_sent_total",
    "Frames written to WebSocket clients, by route (/ws/market, /ws/jobs).",
    ["route"],
)
FEED_TICKS_PUBLISHED = Counter(
    "platform_feed_ticks_published_total",
    "Ticks the quote feed published.",
)
FEED_LAST_TICK = Gauge(
    "platform_feed_last_tick_timestamp_seconds",
    "Unix time of the newest tick this feed process published.",
    multiprocess_mode="max",
)
JOB_DURATION = Histogram(
    "platform_job_duration_seconds",
    "Run time of finished jobs (start to finish), by kind and outcome.",
    ["kind", "outcome"],
    buckets=JOB_BUCKETS,
)
MODEL_INFERENCE = Histogram(
    "platform_model_inference_seconds",
    "Time of one model call (text and image models), by model.",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
EXTERNAL_DURATION = Histogram(
    "platform_external_request_duration_seconds",
    "Time of calls to outside services (Claude, market data vendors), by provider and outcome.",
    ["provider", "outcome"],
    buckets=LATENCY_BUCKETS,
)
EXTERNAL_FAILURES = Counter(
    "platform_external_request_failures_total",
    "Calls to outside services that failed (after the client's own retries), by provider.",
    ["provider"],
)
USER_REQUESTS = Counter(
    "platform_user_requests_total",
    "Requests by signed-in users (any authentication), by how they authenticated.",
    ["auth"],
)

ACTIVE_USER_WINDOW_SECONDS = 300
_ACTIVE_USERS_KEY = "metrics:active-users"


# --- Recording helpers the apps call --------------------------------------------------------------
@contextmanager
def model_inference(model: str) -> Iterator[None]:
    """Time one call of a text or image model."""
    started = time.perf_counter()
    try:
        yield
    finally:
        MODEL_INFERENCE.labels(model=model).observe(time.perf_counter() - started)


@contextmanager
def external_call(provider: str) -> Iterator[None]:
    """Time one call to an outside service; an exception counts as a failure and propagates."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except BaseException:
        outcome = "error"
        EXTERNAL_FAILURES.labels(provider=provider).inc()
        raise
    finally:
        EXTERNAL_DURATION.labels(provider=provider, outcome=outcome).observe(time.perf_counter() - started)


def websocket_opened(route: str) -> None:
    WS_CONNECTIONS.labels(route=route).inc()


def websocket_closed(route: str) -> None:
    WS_CONNECTIONS.labels(route=route).dec()


def ticks_published(count: int) -> None:
    FEED_TICKS_PUBLISHED.inc(count)
    FEED_LAST_TICK.set(time.time())


def job_finished(*, kind: str, outcome: str, seconds: float) -> None:
    JOB_DURATION.labels(kind=kind, outcome=outcome).observe(seconds)


# --- Active users: one sorted set in Redis (or a dict in the one embedded process) --------------
_seen_lock = threading.Lock()
_seen_local: dict[int | str, float] = {}
_last_reported: dict[int | str, float] = {}


def _redis():
    from django.core.cache import cache

    get_client = getattr(cache, "client", None)
    if get_client is None or not hasattr(get_client, "get_client"):
        return None
    return get_client.get_client(write=True)


def user_seen(user_id: int | str, *, auth: str) -> None:
    """Count a signed-in request; each process reports a user at most once a minute."""
    USER_REQUESTS.labels(auth=auth).inc()
    now = time.time()
    with _seen_lock:
        if now - _last_reported.get(user_id, 0.0) < 60:
            return
        _last_reported[user_id] = now
        if len(_last_reported) > 10_000:
            _last_reported.clear()
    client = _redis()
    if client is None:
        with _seen_lock:
            _seen_local[user_id] = now
        return
    try:
        client.zadd(f"{settings.CACHE_KEY_PREFIX}:{_ACTIVE_USERS_KEY}", {str(user_id): now})
    except Exception:  # metrics never fail a request
        return


def active_users() -> int:
    cutoff = time.time() - ACTIVE_USER_WINDOW_SECONDS
    client = _redis()
    if client is None:
        with _seen_lock:
            for user_id in [u for u, seen in _seen_local.items() if seen < cutoff]:
                del _seen_local[user_id]
            return len(_seen_local)
    key = f"{settings.CACHE_KEY_PREFIX}:{_ACTIVE_USERS_KEY}"
    client.zremrangebyscore(key, "-inf", cutoff)
    return int(client.zcard(key))


# --- Values read when scraped: queue depth, active users, processes, whatever apps add -----------
_scrape_collectors: list[Callable[[], Iterable[Metric]]] = []


def on_scrape(collector: Callable[[], Iterable[Metric]]) -> Callable[[], Iterable[Metric]]:
    """Register a function that yields metric families computed at scrape time (apps call this
    from ``AppConfig.ready``)."""
    _scrape_collectors.append(collector)
    return collector


@on_scrape
def _queue_depth() -> Iterable[Metric]:
    from .models import Job

    jobs = GaugeMetricFamily(
        "platform_jobs_waiting",
        "Jobs not finished, by queue and status (queued or running).",
        labels=["queue", "status"],
    )
    rows = (
        Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .values_list("queue", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {(queue, status): count for queue, status, count in rows}
    for queue in settings.JOB_QUEUES:
        for status in (Job.Status.QUEUED, Job.Status.RUNNING):
            jobs.add_metric([queue, status], counts.get((queue, status), 0))
    yield jobs
    broker = GaugeMetricFamily(
        "platform_broker_queue_messages", "Messages waiting in the broker, by queue.", labels=["queue"]
    )
    for queue, length in _broker_queue_lengths().items():
        broker.add_metric([queue], length)
    yield broker


def _broker_queue_lengths() -> dict[str, int]:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return {queue: int(client.llen(queue)) for queue in settings.JOB_QUEUES}
    finally:
        client.close()


@on_scrape
def _active_users() -> Iterable[Metric]:
    yield GaugeMetricFamily(
        "platform_active_users",
        f"Distinct signed-in users seen in the last {ACTIVE_USER_WINDOW_SECONDS // 60} minutes.",
        value=active_users(),
    )


@on_scrape
def _feed_lag() -> Iterable[Metric]:
    """Age of the newest tick any feed process of this machine published (absent before the first)."""
    newest = _newest_tick_timestamp()
    if newest:
        yield GaugeMetricFamily(
            "platform_feed_lag_seconds",
            "Seconds since the newest published tick.",
            value=max(0.0, time.time() - newest),
        )


def _newest_tick_timestamp() -> float:
    for metric in _registry().collect():
        if metric.name == "platform_feed_last_tick_timestamp_seconds":
            return max((sample.value for sample in metric.samples), default=0.0)
    return 0.0


@on_scrape
def _processes() -> Iterable[Metric]:
    """Resident memory and CPU time of each process writing metrics here (from /proc)."""
    memory = GaugeMetricFamily(
        "platform_process_resident_memory_bytes", "Resident memory of each process.", labels=["pid"]
    )
    cpu = GaugeMetricFamily("platform_process_cpu_seconds", "User + system CPU time of each process.", labels=["pid"])
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in _metric_pids():
        try:
            with open(f"/proc/{pid}/stat") as stat_file:
                fields = stat_file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        memory.add_metric([str(pid)], int(fields[21]) * page)
        cpu.add_metric([str(pid)], (int(fields[11]) + int(fields[12])) / ticks)
    yield memory
    yield cpu


def _metric_pids() -> set[int]:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory or not os.path.isdir(directory):
        return {os.getpid()}
    pids = set()
    for name in os.listdir(directory):
        stem = name.rsplit(".", 1)[0]
        tail = stem.rsplit("_", 1)[-1]
        if tail.isdigit():
            pids.add(int(tail))
    return pids


class _ScrapeCollector:
    def collect(self) -> Iterable[Metric]:
        for collector in _scrape_collectors:
            try:
                yield from collector()
            except Exception:  # one unavailable source (say the broker) must not empty the scrape
                logger.warning("A metrics source failed during a scrape", exc_info=True)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric of this machine's processes (or this process)."""
    registry = _registry()
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_ScrapeCollector())
    return generate_latest(registry) + generate_latest(scrape), CONTENT_TYPE_LATEST


def scrape_allowed(*, authorization: str, remote_addr: str) -> bool:
    """``METRICS_TOKEN`` set: the bearer token must match. Otherwise the direct peer (never a
    forwarded address) must be inside ``METRICS_ALLOWED_NETWORKS``."""
    import hmac

    token = settings.METRICS_TOKEN
    if token:
        scheme, _, presented = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), token)
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def mark_process_dead(pid: int) -> None:
    """Called by gunicorn when a worker exits, so its live gauges leave the sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def serve_on_port() -> None:
    """Serve this process's metrics on ``METRICS_PORT`` when set (worker nodes with no web process)."""
    port = settings.METRICS_PORT
    if not port:
        return
    from prometheus_client import start_http_server

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(port, registry=registry)
    else:
        start_http_server(port)


# --- Wiring: database queries, finished jobs (from CoreConfig.ready) ------------------------------
_STATEMENTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"})


def _time_query(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        head = sql.lstrip()[:9].split(None, 1)
        statement = head[0].upper() if head else ""
        DB_QUERY_DURATION.labels(
            alias=context["connection"].alias, statement=statement if statement in _STATEMENTS else "OTHER"
        ).observe(time.perf_counter() - started)


def _instrument_connection(sender, connection, **kwargs) -> None:
    if _time_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_time_query)


_task_started: dict[str, float] = {}


def _task_prerun(task_id=None, task=None, **kwargs) -> None:
    if task is not None and task.name == "apps.core.tasks.run_job":
        _task_started[task_id] = time.perf_counter()


def _task_postrun(task_id=None, task=None, args=None, kwargs=None, **extra) -> None:
    started = _task_started.pop(task_id, None)
    if started is None:
        return
    job_id = (kwargs or {}).get("job_id") or (args[0] if args else None)
    from .models import Job

    row = Job.objects.filter(pk=job_id).values_list("kind", "status").first()
    if row is None:
        return
    kind, status = row
    outcome = status if status in Job.TERMINAL else "interrupted"
    job_finished(kind=kind, outcome=outcome, seconds=time.perf_counter() - started)


def install() -> None:
    """Time every database query of this process and every job a worker runs."""
    from celery.signals import task_postrun, task_prerun
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_instrument_connection, dispatch_uid="platform-metrics-queries")
    for connection in connections.all(initialized_only=True):
        _instrument_connection(None, connection)
    task_prerun.connect(_task_prerun, dispatch_uid="platform-metrics-job-start", weak=False)
    task_postrun.connect(_task_postrun, dispatch_uid="platform-metrics-job-end", weak=False)


_pool_checked = 0.0


def record_pool_state() -> None:
    """At most once a second: this process's PostgreSQL pool size, idle and waiting counts."""
    global _pool_checked
    now = time.monotonic()
    if now - _pool_checked < 1.0:
        return
    _pool_checked = now
    from django.db import connection

    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    if pool is None:
        return
    stats = pool.get_stats()
    DB_POOL_CONNECTIONS.labels(state="size").set(stats.get("pool_size", 0))
    DB_POOL_CONNECTIONS.labels(state="available").set(stats.get("pool_available", 0))
    DB_POOL_CONNECTIONS.labels(state="waiting").set(stats.get("requests_waiting", 0))
    DB_POOL_CONNECTIONS.labels(state="max").set(pool.max_size)
