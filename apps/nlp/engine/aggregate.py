"""Aggregate sentiment of many scored items (news about one symbol) over a time window."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from .sentiment import label_for


def aggregate_sentiment(
    items: Iterable[tuple[datetime, float]], *, now: datetime, window: timedelta, half_life: timedelta | None = None
) -> dict:
    """Mean score of the items published in ``(now - window, now]``, optionally weighting recent
    items more (exponential decay with ``half_life``)."""
    start = now - window
    total = weight_sum = 0.0
    counts = {"positive": 0, "negative": 0, "neutral": 0}
    for published, score in items:
        if not start < published <= now:
            continue
        weight = 0.5 ** ((now - published) / half_life) if half_life else 1.0
        total += weight * score
        weight_sum += weight
        counts[label_for(score)] += 1
    count = sum(counts.values())
    mean = round(total / weight_sum, 4) if weight_sum else 0.0
    return {
        "score": mean,
        "label": label_for(mean) if count else "neutral",
        "count": count,
        **counts,
        "window_start": start.isoformat(),
        "window_end": now.isoformat(),
    }
