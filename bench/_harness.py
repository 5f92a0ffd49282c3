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
