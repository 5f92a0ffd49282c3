"""The portfolio dashboard page and the analytics API for a portfolio of 1,000 transactions in 10
holdings over 10 years of daily bars: cold (every read computed: the first read after a write or new
bars) against warm (answered from the read cache), in-process through Django's test client, same
run. Target: ≤ 300 ms warm."""

import statistics
import time

import bench_portfolio_valuation as data
import numpy as np
from _harness import setup_django

data.TRANSACTIONS = 1_000


def timed(fn, repeats: int = 5) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main() -> None:
    teardown = setup_django()
    try:
        from django.core.cache import cache
        from django.test import Client

        prices, rows = data.build(np.random.default_rng(42))
        user, portfolio, _ = data.store(prices, rows)
        client = Client()
        client.force_login(user)
        pages = {
            "dashboard page": f"/portfolio/{portfolio.pk}/",
            "analytics API": f"/api/v1/portfolio/portfolios/{portfolio.pk}/analytics/",
        }
        print(f"{data.TRANSACTIONS} transactions, {portfolio.holdings.count()} holdings, median of 5")
        for label, url in pages.items():
            assert client.get(url).status_code == 200

            def cold(url=url):
                cache.delete_pattern("*portfolio:read:*") if hasattr(cache, "delete_pattern") else cache.clear()
                client.get(url)

            cold_ms = timed(cold)
            warm_ms = timed(lambda url=url: client.get(url))
            print(f"  {label:<16} cold {cold_ms:7.1f} ms   warm {warm_ms:6.1f} ms   warm/cold {warm_ms / cold_ms:.2f}")
    finally:
        teardown()


if __name__ == "__main__":
    main()
