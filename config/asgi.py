"""ASGI entry point, served by daphne.

WebSockets are routed to the apps' consumers; plain HTTP goes to Django as well, so a single
daphne can serve the whole platform (the one-port setup `make run` uses without Redis).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models (consumers, auth middleware).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.core.websocket import BrowserOriginValidator, WebSocketMetrics  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebSocketMetrics(BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
)
