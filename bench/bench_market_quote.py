"""GET /api/v1/market/stocks/<symbol> at 50 connections in the production shape (the shipped nginx
config in front of gunicorn with the shipped config: 2 sync workers, models loaded before fork,
staggered recycling), against a bare Django JSON view on the same server in the same run
(GET /health/live). wrk, premium API key, throttle raised.

Rounds of 10 s alternate baseline and ours (the machine is shared: the median round is kept), then
one 60 s run of ours reports every 1-second window, to show whether recycling a worker stalls
the service (at ~1,000 req/s each worker passes its recycling point, 10,000-20,000, in that run)."""

import os
import statistics
import sys

from _harness import bench_api_key, setup_django
from _platform import Platform, stall_report, wrk

CONNECTIONS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LONG_SECONDS = int(os.environ.get("BENCH_LONG_SECONDS", "60"))


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
        auth = {"Authorization": f"Bearer {key}"}
        env = {"RATE_LIMIT_PREMIUM": "100000000"}
        if len(sys.argv) > 1:  # e.g. GUNICORN_MAX_REQUESTS=2000 to recycle more often
            env.update(arg.split("=", 1) for arg in sys.argv[1:])
        with Platform(**env) as url:
            quote = f"{url}/api/v1/market/stocks/GOOG"
            wrk(f"{url}/health/live", seconds=3)
            wrk(quote, seconds=3, headers=auth)
            base, ours = [], []
            for _ in range(ROUNDS):
                base.append(wrk(f"{url}/health/live", connections=CONNECTIONS))
                ours.append(wrk(quote, connections=CONNECTIONS, headers=auth))
            print(f"nginx -> gunicorn (2 sync workers), wrk -c{CONNECTIONS}, {ROUNDS} rounds of 10 s each")
            for label, runs in (("GET /health/live (baseline)", base), ("GET stocks/GOOG (API key)", ours)):
                for r in runs:
                    errors = r["non_2xx"] + r["socket_errors"]
                    print(
                        f"  {label:<30} {r['rate']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms"
                        f"  errors {errors}"
                    )
            ratios = [o["rate"] / b["rate"] for o, b in zip(ours, base, strict=True)]
            print(
                f"  ratio ours / baseline per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
                f"median {statistics.median(ratios):.2f}; our median p99 "
                f"{statistics.median(r['p99_ms'] for r in ours):.1f} ms"
            )
            long = wrk(quote, connections=CONNECTIONS, seconds=LONG_SECONDS, headers=auth)
            print(
                f"{LONG_SECONDS} s of GET stocks/GOOG: {long['rate']:.0f} req/s, p50 {long['p50_ms']:.1f} ms, "
                f"p99 {long['p99_ms']:.1f} ms, max {long['max_ms']:.0f} ms, "
                f"errors {long['non_2xx'] + long['socket_errors']}"
            )
            print(f"  {stall_report(long)}")
            print(f"  windows: {long['windows']}")
    finally:
        teardown()


if __name__ == "__main__":
    main()
