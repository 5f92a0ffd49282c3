from django.apps import AppConfig


class MarketConfig(AppConfig):
    """Instruments, prices, news and technical analysis over REST, pages and a live WebSocket feed."""

    name = "apps.market"
    label = "market"
    verbose_name = "Market"
