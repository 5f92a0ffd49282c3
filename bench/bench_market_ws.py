"""Live quotes through the shipped nginx config: our WebSocket path against a bare `websockets`
broadcast server sending the same frames to the same clients, in the same run.

Ours is the production shape: nginx with platform/nginx.conf (the TLS server's `listen 443 ssl` is
swapped for a plain port, everything else as shipped) → two daphne processes started as the
Procfile starts them → ticks from a real `manage.py run_quote_feed` (100 simulated instruments,
one round a second) through Redis, each daphne fanning out from one subscription. The baseline is
reached directly (`ws_baseline_server.py`).

Phases, each for both: 1,000 clients connecting all at once (failed connections, time until all
are subscribed), then 10 s of ticks (delivered msg/s, latency p50/p99 from the time stamped in the
tick to its arrival); 100 clients the same way; then for ours a reconnect storm: with 1,000
clients subscribed, one daphne is killed, its clients reconnect at once (through nginx, to the
other) and the process is restarted; failed reconnects and the time until all are back.
"""

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import websockets
from _harness import ROOT, bench_api_key, free_port, p50_p99, setup_django

SYMBOLS = [f"SYM{i:03d}" for i in range(100)]
PER_CLIENT = 5
SECONDS = 10


def nginx_config(workdir: Path, *, listen: int, ws_ports: list[int]) -> Path:
    """platform/nginx.conf, unprivileged, plain HTTP on ``listen``, upstreams on our ports."""
    shipped = (ROOT / "platform" / "nginx.conf").read_text()
    shipped = shipped.replace("127.0.0.1:8001", f"127.0.0.1:{ws_ports[0]}")
    shipped = shipped.replace("127.0.0.1:8002", f"127.0.0.1:{ws_ports[1]}")
    shipped = shipped.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}")
    redirect = shipped.index("server {\n    listen 80;")
    shipped = shipped[:redirect] + shipped[shipped.index("}\n", redirect) + 2 :]
    shipped = shipped.replace("listen 443 ssl backlog=4096;", f"listen 127.0.0.1:{listen} backlog=4096;")
    shipped = shipped.replace("    http2 on;\n", "")
    shipped = "\n".join(line for line in shipped.splitlines() if "ssl_certificate" not in line)
    (workdir / "platform.conf").write_text(shipped)
    main = workdir / "nginx.conf"
    main.write_text(
        f"""worker_processes 1;
worker_rlimit_nofile 16384;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
    include {workdir}/platform.conf;
}}
"""
    )
    return main


class Clients:
    """``n`` clients, each subscribed to 5 of the 100 symbols, counting ticks stamped in a window."""

    def __init__(self, url: str, n: int, token: str):
        rng = random.Random(1)
        self.url, self.token = url, token
        self.subscriptions = [rng.sample(SYMBOLS, PER_CLIENT) for _ in range(n)]
        self.window = (None, None)
        self.received, self.latencies, self.failed = 0, [], 0
        self.subscribed, self.dropped = 0, 0
        self.errors: dict[str, int] = {}
        self.tasks = []

    async def one(self, symbols, *, reconnect: bool) -> None:
        while True:
            try:
                ws = await websockets.connect(self.url, max_queue=None, open_timeout=60, ping_interval=None)
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                self.failed += 1  # a failed connection: what must not happen
                self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
                return
            try:
                await ws.send(json.dumps({"action": "auth", "token": self.token}))
                await ws.send(json.dumps({"action": "subscribe", "symbols": symbols}))
                async for raw in ws:
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "tick":
                        stamped = datetime.fromisoformat(frame["time"])
                        if self.window[0] is not None and self.window[0] <= stamped < self.window[1]:
                            self.received += 1
                            self.latencies.append((datetime.now(UTC) - stamped).total_seconds() * 1000)
                    elif kind == "subscribed":
                        self.subscribed += 1
            except websockets.WebSocketException:
                pass
            finally:
                await ws.close()
            self.dropped += 1  # the server went away: reconnect at once, like the page's script
            if not reconnect:
                return

    async def connect_all(self, *, reconnect: bool = False) -> float:
        started = time.monotonic()
        self.tasks = [asyncio.create_task(self.one(s, reconnect=reconnect)) for s in self.subscriptions]
        deadline = started + 180
        while self.subscribed + self.failed < len(self.subscriptions) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def measure(self) -> dict:
        await asyncio.sleep(1.5)
        self.received, self.latencies = 0, []
        now = datetime.now(UTC)
        self.window = (now, now + timedelta(seconds=SECONDS))
        await asyncio.sleep(SECONDS + 3)
        expected = SECONDS * (len(self.subscriptions) - self.failed) * PER_CLIENT
        return {
            "rate": self.received / SECONDS,
            "expected": expected,
            "received": self.received,
            "latencies": list(self.latencies),
        }

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def show(label: str, connect_s: float, failed: int, result: dict) -> dict:
    p50, p99 = p50_p99(result["latencies"]) if len(result["latencies"]) > 10 else (float("nan"),) * 2
    result.update(p50=p50, p99=p99)
    print(
        f"  {label:<28} connect {connect_s:5.1f} s  failed {failed:4}  {result['rate']:7,.0f} msg/s "
        f"({result['received']:,} of {result['expected']:,})  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
    )
    return result


async def phase(url: str, n: int, token: str, label: str) -> dict:
    clients = Clients(url, n, token)
    connect_s = await clients.connect_all()
    result = show(label, connect_s, clients.failed, await clients.measure())
    result["failed"] = clients.failed
    if clients.errors:
        print(f"    failed connections by error: {clients.errors}")
    await clients.close()
    return result


async def reconnect_storm(url: str, token: str, servers: list, restart) -> None:
    clients = Clients(url, 1000, token)
    connect_s = await clients.connect_all(reconnect=True)
    print(f"  1,000 subscribed in {connect_s:.1f} s ({clients.failed} failed); killing one daphne")
    before_failed, before_subscribed = clients.failed, clients.subscribed
    servers[0].send_signal(signal.SIGKILL)
    servers[0].wait()
    killed = time.monotonic()
    await asyncio.sleep(0.5)
    while clients.subscribed - before_subscribed < clients.dropped and time.monotonic() - killed < 120:
        await asyncio.sleep(0.05)
    back = time.monotonic() - killed
    moved = clients.subscribed - before_subscribed
    print(
        f"  {clients.dropped} dropped by the kill, {moved} resubscribed through nginx in {back:.1f} s, "
        f"{clients.failed - before_failed} failed to reconnect; restarting it"
    )
    servers[0] = restart()
    result = await clients.measure()
    show("after the storm", back, clients.failed - before_failed, result)
    await clients.close()


def main() -> None:
    teardown = setup_django()
    try:
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from apps.market.models import Instrument, Quote

        if not settings.REDIS_URL or connection.vendor != "postgresql":
            sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the production shape.")
        key = bench_api_key()
        for s in SYMBOLS:
            Quote.objects.create(
                instrument=Instrument.objects.create(symbol=s, name=s), price=100, time=timezone.now(), source="bench"
            )
        env = {
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "1",
            "DB_POOL": "0",
            "NLP_WARM_ON_WORKER_START": "0",
            "DATABASE_URL": f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}",
        }
        ws_ports, listen, base_port = [free_port(), free_port()], free_port(), free_port()

        def daphne(port: int) -> subprocess.Popen:
            # As platform/Procfile starts `ws` and `ws2`.
            endpoint = f"tcp:port={port}:interface=127.0.0.1:backlog=1024"
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-v",
                    "0",
                    "-e",
                    endpoint,
                    "--proxy-headers",
                    "config.asgi:application",
                ],
                cwd=ROOT,
                env=env,
            )

        workdir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        config = nginx_config(workdir, listen=listen, ws_ports=ws_ports)
        servers = [daphne(p) for p in ws_ports]
        feed = subprocess.Popen([sys.executable, "manage.py", "run_quote_feed"], cwd=ROOT, env=env)
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx = subprocess.Popen([binary, "-e", str(workdir / "error.log"), "-c", str(config), "-g", "daemon off;"])
        bare = subprocess.Popen(
            [sys.executable, "bench/ws_baseline_server.py", str(base_port), ",".join(SYMBOLS)], cwd=ROOT
        )
        ours_url = f"ws://127.0.0.1:{listen}/ws/market/realtime/"
        time.sleep(int(os.environ.get("BENCH_WARMUP", "20")))  # Django starts slowly on a busy machine
        try:
            for n in (1000, 100):
                print(f"{n} clients connecting at once x {PER_CLIENT} of {len(SYMBOLS)} symbols, 1 tick/s, {SECONDS} s")
                base = asyncio.run(phase(f"ws://127.0.0.1:{base_port}/", n, key, "bare websockets (baseline)"))
                mine = asyncio.run(phase(ours_url, n, key, "ours via nginx, 2 daphne"))
                ratio = mine["rate"] / max(base["rate"], 1)
                print(
                    f"  ratio delivered {ratio:.2f}x, p99 {mine['p99'] / base['p99']:.2f}x "
                    f"the baseline's; failed connections {mine['failed']} (baseline {base['failed']})"
                )
            print("reconnect storm: 1,000 clients via nginx, one daphne killed and restarted")
            asyncio.run(reconnect_storm(ours_url, key, servers, lambda: daphne(ws_ports[0])))
        finally:
            for process in (*servers, feed, nginx, bare):
                process.terminate()
            for process in (*servers, feed, nginx, bare):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    finally:
        teardown()


if __name__ == "__main__":
    main()
