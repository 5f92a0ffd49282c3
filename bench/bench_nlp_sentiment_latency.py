"""p50/p99 latency of POST /api/v1/nlp/sentiment/ at 20 concurrent clients, served by gunicorn (2 sync
workers, as in production), against GET /health/live (the floor: the same server, no work) in the
same run. Every request sends a different text, so no answer comes from the cache."""

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from _harness import ROOT, setup_django

CLIENTS = 20
REQUESTS_PER_CLIENT = 25


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(url: str, *, headers: dict, body_for) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        # gunicorn sync workers close each connection: do not keep one alive to find it closed.
        with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for i in range(REQUESTS_PER_CLIENT):
                started = time.perf_counter()
                body = body_for(n, i)
                response = http.post(url, json=body, headers=headers) if body else http.get(url, headers=headers)
                response.raise_for_status()
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(f"    {len(latencies) / elapsed:,.0f} requests/s")
    return latencies


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def main() -> None:
    teardown = setup_django()
    try:
        from django.conf import settings
        from django.db import connection

        from apps.accounts import services as accounts
        from apps.accounts.models import User

        settings.API_RATE_LIMITS = {"anon": 10**6, "free": 10**6, "premium": 10**6}
        user = User.objects.create_user(email="bench@example.com", password="bench-password-123", tier="premium")
        _, key = accounts.create_api_key(user=user, name="bench")
        db_name = connection.settings_dict["NAME"]
        port = free_port()
        env = {
            **os.environ,
            "RATE_LIMIT_FREE": "1000000",
            "RATE_LIMIT_PREMIUM": "1000000",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            env["DATABASE_URL"] = f"{base}/{db_name}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{db_name}"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "platform/gunicorn.conf.py"], cwd=ROOT, env=env
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base_url}/health/live", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            headers = {"Authorization": f"Bearer {key}"}
            # Warm both workers' models (the gunicorn hook also does, in the background).
            for i in range(8):
                httpx.post(
                    f"{base_url}/api/v1/nlp/sentiment/", json={"text": f"Warm up {i}."}, headers=headers, timeout=60
                )
            print(f"{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} requests, gunicorn with 2 sync workers")
            print("  GET /health/live (baseline; a first pass opens the connections)")
            load(f"{base_url}/health/live", headers={}, body_for=lambda n, i: None)
            floor = percentiles(load(f"{base_url}/health/live", headers={}, body_for=lambda n, i: None))
            print("  POST /api/v1/nlp/sentiment/ (news-sized text, lexicon backend, stored in history)")
            from news_texts import news_texts

            texts = news_texts(CLIENTS * REQUESTS_PER_CLIENT, seed=11)
            ours = percentiles(
                load(
                    f"{base_url}/api/v1/nlp/sentiment/",
                    headers=headers,
                    body_for=lambda n, i: {"text": texts[n * REQUESTS_PER_CLIENT + i]},
                )
            )
            print(
                f"  p50 / p99: sentiment {ours[0]:.1f} / {ours[1]:.1f} ms; baseline {floor[0]:.1f} / {floor[1]:.1f} ms"
            )
            print(f"  ratio sentiment / baseline: p50 {ours[0] / floor[0]:.1f}x, p99 {ours[1] / floor[1]:.1f}x")
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        teardown()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
