"""Fit a bar series into a maximum number of points by merging neighbours into coarser bars."""

import math


def downsample(rows: list[dict], *, max_points: int) -> list[dict]:
    """Merge consecutive bars in equal groups: first open, highest high, lowest low, last close,
    summed volume, the group's first time."""
    if len(rows) <= max_points:
        return rows
    size = math.ceil(len(rows) / max_points)
    merged = []
    for start in range(0, len(rows), size):
        group = rows[start : start + size]
        merged.append(
            {
                "time": group[0]["time"],
                "open": group[0]["open"],
                "high": max(r["high"] for r in group),
                "low": min(r["low"] for r in group),
                "close": group[-1]["close"],
                "volume": sum(r["volume"] for r in group),
            }
        )
    return merged
