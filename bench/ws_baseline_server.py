"""The baseline for bench_market_ws: a bare `websockets` server that keeps each client's
subscriptions and broadcasts the same tick frames once a second. No auth, no channel layer."""

import asyncio
import json
import sys
from datetime import UTC, datetime

import websockets


async def main(port: int, symbols: list[str]) -> None:
    subscribers: dict[str, set] = {s: set() for s in symbols}

    async def handler(ws):
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("action") == "auth":
                    await ws.send(json.dumps({"type": "authenticated"}))
                elif message.get("action") == "subscribe":
                    for s in message["symbols"]:
                        subscribers[s].add(ws)
                    await ws.send(json.dumps({"type": "subscribed", "symbols": message["symbols"]}))
        finally:
            for group in subscribers.values():
                group.discard(ws)

    async def ticker():
        while True:
            await asyncio.sleep(1)
            now = datetime.now(UTC).isoformat()
            for symbol, group in subscribers.items():
                frame = json.dumps(
                    {
                        "type": "tick",
                        "symbol": symbol,
                        "price": 100.0,
                        "time": now,
                        "change": 0.1,
                        "change_percent": 0.1,
                        "volume": 1000,
                        "source": "simulated",
                    }
                )
                websockets.broadcast(group, frame)

    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None, backlog=4096):
        await ticker()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2].split(",")))
