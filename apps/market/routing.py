from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/market/realtime/", consumers.RealtimeQuotesConsumer.as_asgi()),
]
