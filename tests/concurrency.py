"""Run a callable from several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_concurrently(fn: Callable[[], T], *, calls: int, threads: int | None = None) -> list[T]:
    """Call ``fn`` ``calls`` times over ``threads`` workers; the first wave starts together."""
    threads = threads or calls
    barrier = threading.Barrier(min(threads, calls))
    started = iter(range(calls))

    def one(_):
        if next(started) < threads:
            barrier.wait()
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(calls)))
