"""Demo data: the real price series bundled with `backtesting`, and a few sample headlines."""

from datetime import UTC, datetime

from . import datasets, services
from .models import Instrument

SAMPLE_NEWS = [
    {
        "headline": "Google shares climb after quarterly revenue beats estimates",
        "summary": "Sample headline for the demo, not real news.",
        "symbols": ["GOOG"],
        "published_at": datetime(2013, 1, 23, 21, 0, tzinfo=UTC),
    },
    {
        "headline": "Regulators open antitrust probe into search advertising",
        "summary": "Sample headline for the demo, not real news.",
        "symbols": ["GOOG"],
        "published_at": datetime(2013, 1, 3, 15, 0, tzinfo=UTC),
    },
    {
        "headline": "Euro slides against the dollar as inflation data disappoints",
        "summary": "Sample headline for the demo, not real news.",
        "symbols": ["EURUSD"],
        "published_at": datetime(2018, 2, 6, 9, 0, tzinfo=UTC),
    },
]


def seed(context: dict) -> dict:
    for dataset in datasets.BUNDLED:
        instrument, created = Instrument.objects.get_or_create(
            symbol=dataset.symbol,
            defaults={
                "name": dataset.name,
                "exchange": dataset.exchange,
                "currency": dataset.currency,
                "asset_type": dataset.asset_type,
                "sector": dataset.sector,
                "data_source": dataset.source,
            },
        )
        if created or not instrument.bars.exists():
            services.import_bars_file(
                instrument=instrument,
                interval=dataset.interval,
                filename=dataset.filename,
                data=dataset.read(),
            )
    services.add_news(
        items=[
            {**item, "source": "Sample", "url": f"https://example.com/sample-news/{n}", "is_sample": True}
            for n, item in enumerate(SAMPLE_NEWS, start=1)
        ]
    )
    return {}
