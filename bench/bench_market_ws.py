"""WebSocket fan-out: our realtime consumer (daphne + channels-redis) against a bare `websockets`
broadcast server sending the same frames, same clients, same run.

Phase 1: 1,000 clients, each subscribed to 5 of 100 symbols, every symbol ticking once a second:
delivered messages/s and drops. Phase 2: 100 such clients: tick-to-client latency p50/p99 (from
the time stamped in the tick when it was published to the moment the client reads it)."""

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import websockets
from _harness import ROOT, bench_api_key, free_port, p50_p99, setup_django

SYMBOLS = [f"SYM{i:03d}" for i in range(100)]
PER_CLIENT = 5
SECONDS = 10
# daphne processes behind the load balancer (production runs one `ws` process per core).
PROCESSES = (1, 2)


async def clients_run(urls: list[str], *, clients: int, token: str, publish) -> dict:
    rng = random.Random(1)
    subscriptions = [rng.sample(SYMBOLS, PER_CLIENT) for _ in range(clients)]
    received, latencies, ready = [0], [], asyncio.Event()
    window = [None, None]
    connected = [0]
    sockets = []

    async def client(n, symbols):
        # Spread over the servers as nginx's round robin would.
        ws = await websockets.connect(urls[n % len(urls)], max_queue=None, open_timeout=60, ping_interval=None)
        sockets.append(ws)
        await ws.send(json.dumps({"action": "auth", "token": token}))
        await ws.send(json.dumps({"action": "subscribe", "symbols": symbols}))
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "subscribed":
                break
        connected[0] += 1
        if connected[0] == clients:
            ready.set()
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "tick":
                stamped = datetime.fromisoformat(frame["time"])
                # Count only ticks stamped inside the measured window, for both servers alike.
                if window[0] is not None and window[0] <= stamped < window[1]:
                    received[0] += 1
                    latencies.append((datetime.now(UTC) - stamped).total_seconds() * 1000)

    tasks = []
    for n, symbols in enumerate(subscriptions):
        tasks.append(asyncio.create_task(client(n, symbols)))
        await asyncio.sleep(0.01)  # do not stampede the accept queue
    try:
        await asyncio.wait_for(ready.wait(), timeout=180)
    except TimeoutError:
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        raise RuntimeError(f"{connected[0]} of {clients} subscribed; first failure: {failed[:1]}") from None
    await asyncio.sleep(1)
    received[0], latencies[:] = 0, []
    now = datetime.now(UTC)
    window[:] = [now, now + timedelta(seconds=SECONDS)]
    await publish(SECONDS)
    await asyncio.sleep(3)  # let the last ticks of the window arrive
    for t in tasks:
        t.cancel()
    for ws in sockets:
        await ws.close()
    expected = SECONDS * clients * PER_CLIENT  # every symbol ticks once a second in the window
    return {
        "received": received[0],
        "expected": expected,
        "rate": received[0] / SECONDS,
        "latencies": list(latencies),
    }


async def publish_through_layer(seconds: int) -> None:
    from channels.layers import get_channel_layer

    from apps.market.feed import group_name, tick_event

    layer = get_channel_layer()
    for _ in range(seconds):
        started = time.monotonic()
        now = datetime.now(UTC).isoformat()
        await asyncio.gather(
            *(
                layer.group_send(
                    group_name(s),
                    tick_event(
                        {
                            "symbol": s,
                            "price": 100.0,
                            "time": now,
                            "change": 0.1,
                            "change_percent": 0.1,
                            "volume": 1000,
                            "source": "simulated",
                        }
                    ),
                )
                for s in SYMBOLS
            )
        )
        await asyncio.sleep(max(0.0, 1 - (time.monotonic() - started)))


async def wait_baseline(seconds: int) -> None:
    await asyncio.sleep(seconds)  # the server ticks on its own


def report(label: str, result: dict) -> None:
    drops = max(0, result["expected"] - result["received"])
    p50, p99 = p50_p99(result["latencies"]) if len(result["latencies"]) > 10 else (float("nan"), float("nan"))
    print(
        f"  {label:<36} {result['rate']:8,.0f} msg/s  drops {drops:6,} of {result['expected']:,}  "
        f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
    )
    return result


def main() -> None:
    teardown = setup_django()
    try:
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from apps.market.models import Instrument, Quote

        if not settings.REDIS_URL:
            sys.exit("Set REDIS_URL: the fan-out goes through channels-redis.")
        key = bench_api_key()
        for s in SYMBOLS:
            Quote.objects.create(
                instrument=Instrument.objects.create(symbol=s, name=s), price=100, time=timezone.now(), source="bench"
            )
        base_port = free_port()
        env = {
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "1",
            "DB_POOL": "0",
            "NLP_WARM_ON_WORKER_START": "0",
            "DATABASE_URL": f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}",
        }
        ports = [free_port() for _ in range(max(PROCESSES))]
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(p), "config.asgi:application"],
                cwd=ROOT,
                env=env,
            )
            for p in ports
        ]
        bare = subprocess.Popen(
            [sys.executable, "bench/ws_baseline_server.py", str(base_port), ",".join(SYMBOLS)], cwd=ROOT
        )
        time.sleep(6)
        try:
            for clients in (1000, 100):
                print(
                    f"{clients} clients x {PER_CLIENT} of {len(SYMBOLS)} symbols, every symbol ticking once a second,"
                    f" {SECONDS} s"
                )
                base = report(
                    "bare websockets server (baseline)",
                    asyncio.run(
                        clients_run([f"ws://127.0.0.1:{base_port}/"], clients=clients, token=key, publish=wait_baseline)
                    ),
                )
                for processes in PROCESSES:
                    urls = [f"ws://127.0.0.1:{p}/ws/market/realtime/" for p in ports[:processes]]
                    mine = report(
                        f"ours, {processes} daphne process{'es' if processes > 1 else ''}",
                        asyncio.run(clients_run(urls, clients=clients, token=key, publish=publish_through_layer)),
                    )
                    print(f"  ratio delivered ours ({processes}) / baseline: {mine['rate'] / base['rate']:.2f}")
        finally:
            for server in servers:
                server.terminate()
            bare.terminate()
    finally:
        teardown()


if __name__ == "__main__":
    main()
