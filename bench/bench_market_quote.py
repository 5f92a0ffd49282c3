"""GET /api/v1/market/stocks/<symbol> at 50 concurrent clients (gunicorn, 2 sync workers), against a
bare Django JSON view on the same server in the same run (GET /health/live)."""

from _harness import Gunicorn, bench_api_key, http_load, p50_p99, setup_django

CLIENTS = 50
REQUESTS_PER_CLIENT = 40


def main() -> None:
    teardown = setup_django()
    try:
        from django.utils import timezone

        from apps.market.models import Instrument, Quote

        key = bench_api_key()
        goog = Instrument.objects.create(symbol="GOOG", name="Alphabet")
        Quote.objects.create(
            instrument=goog, price="806.19", previous_close="801.20", time=timezone.now(), source="bench"
        )
        with Gunicorn(RATE_LIMIT_PREMIUM="100000000", NLP_WARM_ON_WORKER_START="0") as url:
            http_load(f"{url}/health/live", clients=CLIENTS, requests_per_client=5)
            base_rate, base = http_load(f"{url}/health/live", clients=CLIENTS, requests_per_client=REQUESTS_PER_CLIENT)
            rate, ours = http_load(
                f"{url}/api/v1/market/stocks/GOOG",
                clients=CLIENTS,
                requests_per_client=REQUESTS_PER_CLIENT,
                headers={"Authorization": f"Bearer {key}"},
            )
            (b50, b99), (o50, o99) = p50_p99(base), p50_p99(ours)
            print(f"{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} requests, gunicorn with 2 sync workers")
            print(f"  bare Django JSON view (baseline)  {base_rate:6.0f} req/s  p50 {b50:6.1f} ms  p99 {b99:6.1f} ms")
            print(f"  GET stocks/GOOG (API key, quote)  {rate:6.0f} req/s  p50 {o50:6.1f} ms  p99 {o99:6.1f} ms")
            print(f"  ratio throughput ours / baseline: {rate / base_rate:.2f}; p99 {o99 / b99:.1f}x")
    finally:
        teardown()


if __name__ == "__main__":
    main()
