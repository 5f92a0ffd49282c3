"""The pytest side of the sandbox's probe (loaded through ``PYTEST_PLUGINS``): counts the tests
pytest runs (a skipped test did not run)."""

import sitecustomize


def pytest_configure(config):
    sitecustomize.counts["pytest_active"] = True


def pytest_runtest_logreport(report):
    if report.when == "call":
        sitecustomize.counts["pytest"] += 1
