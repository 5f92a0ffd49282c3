"""Celery tasks of the market app, each delegating to a service."""

from celery import shared_task

from . import services


@shared_task
def refresh_market_data(kinds: list[str] | None = None) -> dict:
    return services.refresh_market_data(kinds=tuple(kinds or ("history", "fundamentals", "news")))
