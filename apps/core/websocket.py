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
