"""WebSocket origin check: browsers must come from an allowed host; programs send no Origin."""

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Like Channels' AllowedHostsOriginValidator, but a handshake without an Origin header (a
    program, not a browser: no ambient cookies to abuse) is let through to authenticate itself."""

    def __init__(self, application):
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or super().valid_origin(parsed_origin)


class WebSocketMetrics:
    """ASGI middleware: counts open WebSocket connections and frames sent, by route prefix
    (``/ws/market``, ``/ws/jobs``), for ``platform_ws_connections`` and ``platform_ws_messages_sent_total``."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        from . import metrics

        route = "/".join(scope.get("path", "").split("/")[:3]) or "/"
        frames = metrics.WS_MESSAGES_SENT.labels(route=route)
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            kind = message.get("type")
            if kind == "websocket.send":
                frames.inc()
            elif kind == "websocket.accept" and not accepted:
                accepted = True
                metrics.websocket_opened(route)
            await send(message)

        try:
            return await self.application(scope, receive, counting_send)
        finally:
            if accepted:
                metrics.websocket_closed(route)
