"""Signals other apps may listen to (the market app imports none of them).

``ticks_recorded``: sent after new prices are stored, with ``ticks=[{"symbol", "price" (Decimal),
"time", "source"}]``. The portfolio app's paper-order matcher listens to it.
"""

from django.dispatch import Signal

ticks_recorded = Signal()
