"""p50/p99 latency of POST /api/v1/nlp/sentiment/ at 20 concurrent clients, served by gunicorn (2 sync
workers, as in production), against GET /health/live (the floor: the same server, no work) in the
same run. Every request sends a different text, so no answer comes from the cache."""

import httpx
from _harness import Gunicorn, bench_api_key, http_load, p50_p99, setup_django

CLIENTS = 20
REQUESTS_PER_CLIENT = 25


def main() -> None:
    teardown = setup_django()
    try:
        from news_texts import news_texts

        key = bench_api_key()
        headers = {"Authorization": f"Bearer {key}"}
        with Gunicorn(RATE_LIMIT_FREE="1000000", RATE_LIMIT_PREMIUM="1000000") as url:
            for i in range(8):  # both workers answer every kind once before measuring
                for kind in ("sentiment", "entities", "language"):
                    httpx.post(
                        f"{url}/api/v1/nlp/{kind}/", json={"text": f"Warm up number {i}."}, headers=headers, timeout=60
                    )
            print(f"{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} requests, gunicorn with 2 sync workers")
            http_load(f"{url}/health/live", clients=CLIENTS, requests_per_client=REQUESTS_PER_CLIENT)
            floor_rate, floor = http_load(
                f"{url}/health/live", clients=CLIENTS, requests_per_client=REQUESTS_PER_CLIENT
            )
            texts = news_texts(CLIENTS * REQUESTS_PER_CLIENT, seed=11)
            rate, ours = http_load(
                f"{url}/api/v1/nlp/sentiment/",
                clients=CLIENTS,
                requests_per_client=REQUESTS_PER_CLIENT,
                headers=headers,
                body_for=lambda n, i: {"text": texts[n * REQUESTS_PER_CLIENT + i]},
            )
            (f50, f99), (o50, o99) = p50_p99(floor), p50_p99(ours)
            print(f"  GET /health/live (baseline)   {floor_rate:6.0f} req/s  p50 {f50:6.1f} ms  p99 {f99:6.1f} ms")
            print(f"  POST /api/v1/nlp/sentiment/   {rate:6.0f} req/s  p50 {o50:6.1f} ms  p99 {o99:6.1f} ms")
            print(f"  ratio sentiment / baseline: p50 {o50 / f50:.1f}x, p99 {o99 / f99:.1f}x")
    finally:
        teardown()


if __name__ == "__main__":
    main()
