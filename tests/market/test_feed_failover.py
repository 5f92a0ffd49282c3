"""The quote feed against real failures, with real processes: two `run_quote_feed` (leader and
hot standby), a daphne serving the WebSocket, a throwaway Redis on a free port, a subscriber.

Kill the leader: the standby publishes within a few seconds, the subscriber hears "stale" then
"live". Kill Redis and start it again (empty): feed and WebSocket process reconnect by themselves.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import websockets
from django.db import connection
from django.utils import timezone

from apps.accounts import services as accounts
from apps.market.models import Instrument, Quote
from tests.factories import UserFactory

pytestmark = [pytest.mark.failure, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PREFIX = "failover"
INTERVAL = 0.2
LEASE_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRedis:
    """A private redis-server without persistence, restartable on the same port."""

    def __init__(self, workdir: Path):
        self.port, self.workdir, self.process = free_port(), workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def throwaway_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Subscriber:
    """A WebSocket client that records every frame with its arrival time."""

    def __init__(self, url: str, token: str, symbol: str):
        self.url, self.token, self.symbol = url, token, symbol
        self.frames: list[tuple[float, dict]] = []
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        # A server still warming up (first connect > daphne's 5 s handshake limit) may refuse at first.
        for attempt in range(60):
            try:
                ws = await websockets.connect(self.url, open_timeout=30, ping_interval=None)
                break
            except (OSError, websockets.InvalidStatus):
                if attempt == 59:
                    raise
                await asyncio.sleep(1)
        async with ws:
            await ws.send(json.dumps({"action": "auth", "token": self.token}))
            await ws.send(json.dumps({"action": "subscribe", "symbols": [self.symbol]}))
            async for raw in ws:
                self.frames.append((time.monotonic(), json.loads(raw)))

    def since(self, moment: float) -> list[tuple[float, dict]]:
        return [(t, f) for t, f in self.frames if t >= moment]

    async def wait_for(self, predicate, *, after: float, timeout: float) -> float:
        """Arrival time of the first frame after ``after`` matching ``predicate``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.task is not None and self.task.done():
                raise AssertionError(f"the subscriber's socket ended: {self.task.exception()!r}")
            for t, frame in self.since(after):
                if predicate(frame):
                    return t
            await asyncio.sleep(0.05)
        kinds = [(round(t - after, 2), f.get("type"), f.get("state")) for t, f in self.since(after)][-10:]
        raise AssertionError(f"no such frame within {timeout}s; last frames: {kinds}")


def is_tick(frame):
    return frame["type"] == "tick"


def is_state(state):
    return lambda frame: frame["type"] == "status" and frame["state"] == state


def test_the_standby_takes_over_and_the_feed_rides_out_a_redis_outage(throwaway_redis, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the processes share the test database: needs PostgreSQL (DATABASE_URL)")
    instrument = Instrument.objects.create(symbol="FAIL", name="Failover Inc.")
    Quote.objects.create(instrument=instrument, price="100.00", time=timezone.now(), source="test")
    _, key = accounts.create_api_key(user=UserFactory(), name="failover")
    env = {
        **os.environ,
        "DATABASE_URL": f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}",
        "REDIS_URL": throwaway_redis.url,
        "CACHE_KEY_PREFIX": PREFIX,
        "PYTEST_XDIST_WORKER": "",
        "DEBUG": "1",
        "DB_POOL": "0",
        "LOG_LEVEL": "INFO",
        "NLP_WARM_ON_WORKER_START": "0",
        "MARKET_FEED_INTERVAL": str(INTERVAL),
        "LEASE_SECONDS": str(LEASE_SECONDS),
    }
    ws_port = free_port()
    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("ws", "feed1", "feed2")}  # noqa: SIM115
    processes = {
        "ws": subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(ws_port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=logs["ws"],
            stderr=subprocess.STDOUT,
        ),
    }
    for name in ("feed1", "feed2"):
        processes[name] = subprocess.Popen(
            [sys.executable, "manage.py", "run_quote_feed", "--interval", str(INTERVAL)],
            cwd=ROOT,
            env=env,
            stdout=logs[name],
            stderr=subprocess.STDOUT,
        )
    holder_key = f"{PREFIX}:lease:market-feed:holder"
    report = {}

    def holder_pid() -> int | None:
        try:
            value = redis.Redis.from_url(throwaway_redis.url).get(holder_key)
        except redis.ConnectionError:
            return None
        return int(value.decode().rsplit(":", 1)[1]) if value else None

    async def scenario():
        subscriber = Subscriber(f"ws://127.0.0.1:{ws_port}/ws/market/realtime/", key, "FAIL")
        for _ in range(1800):  # daphne and the feeds start (Django takes 5-30 s on a busy machine)
            try:
                socket.create_connection(("127.0.0.1", ws_port), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        client = subscriber.task = asyncio.create_task(subscriber.run())
        try:
            await subscriber.wait_for(is_tick, after=0, timeout=120)

            # One publisher: with two feeds ticking, every interval would bring two ticks.
            window = time.monotonic()
            await asyncio.sleep(3)
            ticks = [f for _, f in subscriber.since(window) if is_tick(f)]
            assert len(ticks) <= 3 / INTERVAL * 1.3, f"{len(ticks)} ticks in 3 s at one every {INTERVAL}s"
            assert len({f["time"] for f in ticks}) == len(ticks)

            # Kill the leader: the standby takes over.
            leader = holder_pid()
            standby = next(p for n, p in processes.items() if n.startswith("feed") and p.pid != leader)
            assert leader in {processes["feed1"].pid, processes["feed2"].pid}
            os.kill(leader, signal.SIGKILL)
            killed = time.monotonic()
            stale = await subscriber.wait_for(is_state("stale"), after=killed, timeout=10)
            live = await subscriber.wait_for(is_state("live"), after=stale, timeout=LEASE_SECONDS + 10)
            first = await subscriber.wait_for(is_tick, after=live, timeout=5)
            report["takeover_s"] = round(first - killed, 2)
            assert first - killed < LEASE_SECONDS + 5
            assert holder_pid() == standby.pid

            # Redis dies and comes back empty: the feed and the WebSocket process reconnect.
            throwaway_redis.kill()
            down = time.monotonic()
            await asyncio.sleep(3)
            assert client.done() is False  # the socket to the client stays open meanwhile
            throwaway_redis.start()
            back = time.monotonic()
            stale = await subscriber.wait_for(is_state("stale"), after=down, timeout=5)
            live = await subscriber.wait_for(is_state("live"), after=back, timeout=20)
            first = await subscriber.wait_for(is_tick, after=live, timeout=5)
            report["redis_recovery_s"] = round(first - back, 2)
            assert first - back < 15
            assert holder_pid() == standby.pid
        finally:
            client.cancel()
            await asyncio.gather(client, return_exceptions=True)

    try:
        asyncio.run(scenario())
    except BaseException:
        for name, log in logs.items():
            log.flush()
            print(f"--- {name} ---\n" + (tmp_path / f"{name}.log").read_text()[-3000:])
        raise
    finally:
        for process in processes.values():
            stop(process)
        for log in logs.values():
            log.close()
    print(f"recovery: {report}")
