"""Drive the UI in a real headless Chromium (Debian's package; Playwright cannot download one here)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests themselves
    # make are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test item, so fixtures can tell a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    # Django's live_server speaks plain HTTP only: there, the pages' WebSocket connections (live
    # quotes, job badges) cannot open, which is not a page error. Tests on the ASGI server
    # (daphne: HTTP and WebSockets) keep every error.
    plain_http = "asgi_server" not in request.fixturenames
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not (plain_http and msg.text.startswith("WebSocket connection to "))
            and page.console_errors.append(
                msg.text + (f" [{msg.location.get('url')}]" if "Content Security Policy" in msg.text else "")
            )
        ),
    )
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        # Kept for CI, which lists this folder when a run fails.
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    elif os.environ.get("E2E_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def sign_in(page, live_server):
    from tests.factories import PASSWORD

    def sign_in_as(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return sign_in_as


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """A real daphne process (HTTP + WebSockets) on the test database and the test Redis, for pages
    that use the realtime feed. The test process publishes ticks through the same channel layer."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the realtime browser tests need PostgreSQL and Redis (DATABASE_URL, REDIS_URL), as in CI")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        "PYTEST_XDIST_WORKER": "",
        "DB_POOL": "0",
        "NLP_WARM_ON_WORKER_START": "0",
    }
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=root,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Up to a minute: on a loaded 2-core machine daphne's first import takes tens of seconds.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/health/live", timeout=5)  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("daphne did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
