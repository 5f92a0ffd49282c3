from django.apps import AppConfig


class MarketConfig(AppConfig):
    """Instruments, prices, news and technical analysis over REST, pages and a live WebSocket feed."""

    name = "apps.market"
    label = "market"
    verbose_name = "Market"

    def ready(self) -> None:
        from django.conf import settings

        from apps.nlp import services as nlp_services

        from .selectors import news_corpus

        nlp_services.register_corpus("market_news", news_corpus)
        if settings.MARKET_FEED_IN_PROCESS:
            _start_feed_thread(settings.MARKET_FEED_INTERVAL)


def _start_feed_thread(interval: float) -> None:
    """Without Redis there is no separate feed process: tick from a thread of the web process."""
    import logging
    import threading
    import time

    def run() -> None:
        time.sleep(2)  # let the server finish starting
        from . import feed

        try:
            feed.run(tick_seconds=interval)
        except Exception:
            logging.getLogger(__name__).exception("The in-process quote feed stopped")

    threading.Thread(target=run, name="quote-feed", daemon=True).start()
