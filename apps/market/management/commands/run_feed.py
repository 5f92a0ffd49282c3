"""``manage.py run_feed``: the quote feed process (``feed`` in platform/Procfile).

It publishes quotes to the channel layer for the WebSocket consumers. Until instruments exist
(the market data work) there is nothing to quote, and the process idles, saying so once.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the market quote feed until stopped (SIGINT/SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks.")

    def handle(self, *args, interval: float, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        logger.info("Quote feed started; no instruments are defined yet, so there is nothing to publish")
        while not stop.wait(interval):
            pass
        logger.info("Quote feed stopped")
