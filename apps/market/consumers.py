"""``/ws/market/realtime/``: live quotes. Subscribe to symbols, get a snapshot, then every tick.

Messages from the client (JSON):
  {"action": "auth", "token": "<JWT access token or API key>"}   (when no session cookie)
  {"action": "subscribe", "symbols": ["GOOG", …]}               (at most 50 per connection)
  {"action": "unsubscribe", "symbols": [...]}
Frames to the client: {"type": "snapshot", "quote": {…}}, {"type": "tick", "symbol", "price", "time",
"change", "change_percent", "volume", "source"}, {"type": "subscribed", "symbols": [...]},
{"type": "status", "state": "stale" | "live", …} (no ticks for a few feed intervals / ticks again),
{"type": "error", "code", "message", …}. A bad message gets an error frame; the connection stays.

Ticks do not pass through the consumer: the process's ``fanout.hub()`` writes each tick's frame,
encoded once by the feed, straight to the sockets subscribed to its symbol.
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import HttpRequest

from apps.accounts import services as accounts
from apps.core.client_ip import client_ip_from_scope
from apps.core.parsers import ClientJSONError, loads_from_client

from . import fanout, selectors, services

MAX_SYMBOLS = 50


class RealtimeQuotesConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        self.symbols: set[str] = set()
        await self.accept()

    async def disconnect(self, code):
        if self.symbols:
            fanout.hub().leave(self)
            self.symbols = set()

    async def write_frame(self, frame: str) -> None:
        """Write an encoded frame to this socket (the hub's way in)."""
        await self.base_send({"type": "websocket.send", "text": frame})

    @property
    def authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = loads_from_client(text_data or "")
        except ClientJSONError as exc:
            if exc.code == "too_deep":
                return await self.error("too_deep", str(exc))
            return await self.error("bad_message", 'Send JSON, e.g. {"action": "subscribe", "symbols": ["GOOG"]}.')
        if not isinstance(message, dict):
            return await self.error("bad_message", 'A message is a JSON object with an "action".')
        action = message.get("action")
        if action == "auth":
            return await self.authenticate(message.get("token"))
        if action not in {"subscribe", "unsubscribe"}:
            return await self.error("unknown_action", "action must be auth, subscribe or unsubscribe.")
        if not self.authenticated:
            return await self.error("not_authenticated", 'Sign in, or send {"action": "auth", "token": …} first.')
        symbols = message.get("symbols")
        if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) and s.strip() for s in symbols):
            return await self.error("bad_symbols", "symbols must be a non-empty list of symbol strings.")
        wanted = {s.strip().upper() for s in symbols}
        if action == "unsubscribe":
            fanout.hub().leave(self, wanted & self.symbols)
            self.symbols -= wanted
            return await self.send_json(
                {"type": "unsubscribed", "symbols": sorted(wanted), "subscriptions": sorted(self.symbols)}
            )
        await self.subscribe(wanted)

    async def authenticate(self, token) -> None:
        if not isinstance(token, str) or not token:
            return await self.error("bad_token", "token must be a JWT access token or an API key.")
        try:
            self.user = await database_sync_to_async(self._user_for_token)(token)
        except Exception as exc:
            return await self.error(
                "not_authenticated", (getattr(exc, "detail", None) and str(exc.detail)) or "Invalid token."
            )
        await self.send_json({"type": "authenticated", "user": self.user.email})

    def _user_for_token(self, token: str):
        request = HttpRequest()
        # The client's address through trusted proxies only (daphne itself trusts no header).
        request.META["REMOTE_ADDR"] = client_ip_from_scope(self.scope) or "0.0.0.0"  # noqa: S104 - a value, not a bind address
        return accounts.user_for_bearer_token(token=token, request=request)

    async def subscribe(self, wanted: set[str]) -> None:
        new = wanted - self.symbols
        if len(self.symbols) + len(new) > MAX_SYMBOLS:
            return await self.error(
                "too_many_symbols", f"At most {MAX_SYMBOLS} symbols per connection; you have {len(self.symbols)}."
            )
        known, snapshots = await database_sync_to_async(self._snapshots)(sorted(new))
        unknown = sorted(new - set(known))
        if known:
            await fanout.hub().join(self, self.write_frame, set(known))
        self.symbols |= set(known)
        if unknown:
            await self.error(
                "unknown_symbols",
                f"Unknown symbol{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
                symbols=unknown,
            )
        await self.send_json({"type": "subscribed", "symbols": known, "subscriptions": sorted(self.symbols)})
        for snapshot in snapshots:
            await self.send_json({"type": "snapshot", "quote": snapshot})
        if known and (status := fanout.hub().status_if_stale()):
            await self.send(text_data=status)

    def _snapshots(self, symbols: list[str]) -> tuple[list[str], list[dict]]:
        instruments = selectors.known_symbols(symbols)
        return sorted(instruments), [services.cached_quote(instrument=instruments[s]) for s in sorted(instruments)]
