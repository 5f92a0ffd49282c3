"""``manage.py run_quote_feed``: publish quote ticks until stopped. Run two for a hot standby: only
the holder of the feed's lease publishes (see ``apps.market.feed.run``)."""

import signal
import threading

from django.core.management.base import BaseCommand

from apps.core import metrics
from apps.market import feed


class Command(BaseCommand):
    help = "Publish quote ticks (simulated unless a realtime provider is configured) until SIGINT/SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks.")
        parser.add_argument("--iterations", type=int, default=None, help="Stop after this many ticks (testing).")

    def handle(self, *args, interval: float, iterations: int | None, **options):
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        metrics.serve_on_port()  # a feed on a machine with no web process serves its own metrics
        sent = feed.run(tick_seconds=interval, iterations=iterations, stop=stop)
        self.stdout.write(f"Quote feed stopped after {sent} ticks.")
