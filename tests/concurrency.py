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


def _close_connections() -> None:
    from django.db import connections

    for conn in connections.all():
        conn.close()
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()


def _worker(fn, share: int, threads: int, barrier, results) -> None:
    barrier.wait()
    try:
        results.put(run_concurrently(fn, calls=share, threads=threads))
    finally:
        _close_connections()


def run_in_processes(fn: Callable[[], T], *, calls: int, processes: int, threads: int = 10) -> list[T]:
    """Call ``fn`` ``calls`` times spread over ``processes`` forked processes (each running its
    share on ``threads`` threads with their own database connections), all released together.
    The parent's connections and pools are closed first, so no socket is shared across a fork."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    _close_connections()
    barrier, results = context.Barrier(processes), context.Queue()
    shares = [calls // processes + (1 if n < calls % processes else 0) for n in range(processes)]
    children = [
        context.Process(target=_worker, args=(fn, share, min(threads, share), barrier, results)) for share in shares
    ]
    for child in children:
        child.start()
    collected = []
    for _ in children:
        collected.extend(results.get(timeout=300))
    for child in children:
        child.join(timeout=60)
    return collected
