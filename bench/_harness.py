"""Shared set-up for benchmarks: Django on a throwaway test database, and a timer."""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup_django():
    """Configure Django on a fresh test database; returns a teardown callable."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)

    def teardown():
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return teardown


def bench_api_key(*, tier: str = "premium") -> str:
    """A user of the benchmark's database and an API key for it."""
    from apps.accounts import services as accounts
    from apps.accounts.models import User

    user = User.objects.create_user(email="bench@example.com", password="bench-password-123", tier=tier)
    return accounts.create_api_key(user=user, name="bench")[1]


def measure(label: str, fn: Callable[[], object], *, iterations: int, repeats: int = 5) -> float:
    """Run ``fn`` ``iterations`` times per repeat; print and return the median operations per second."""
    fn()  # warm up
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(iterations):
            fn()
        rates.append(iterations / (time.perf_counter() - started))
    median = statistics.median(rates)
    print(f"  {label:<58} {median:>10,.0f} ops/s")
    return median


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_load(
    url: str, *, clients: int, requests_per_client: int, headers: dict | None = None, body_for=None
) -> tuple[float, list[float]]:
    """``clients`` threads each sending ``requests_per_client`` requests; (requests/s, latencies in ms)."""
    import threading

    import httpx

    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        # gunicorn sync workers close each connection: do not keep one alive to find it closed.
        with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for i in range(requests_per_client):
                started = time.perf_counter()
                body = body_for(n, i) if body_for else None
                response = http.post(url, json=body, headers=headers) if body else http.get(url, headers=headers)
                response.raise_for_status()
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def p50_p99(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


class Gunicorn:
    """gunicorn (2 sync workers, the production config) on the benchmark's test database."""

    def __init__(self, **env):
        self.env = env

    def __enter__(self) -> str:
        import subprocess

        import httpx
        from django.db import connection

        port = free_port()
        env = {
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            **self.env,
        }
        name = connection.settings_dict["NAME"]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            env["DATABASE_URL"] = f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{name}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{name}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "platform/gunicorn.conf.py"], cwd=ROOT, env=env
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{url}/health/live", timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
