"""Every WebSocket route of the platform, collected from the apps' `routing` modules."""

from apps.core.routing import websocket_urlpatterns as core_routes
from apps.market.routing import websocket_urlpatterns as market_routes

websocket_urlpatterns = [*core_routes, *market_routes]
