"""Celery tasks of the portfolio app, each delegating to a service."""

from celery import shared_task

from . import services


@shared_task
def expire_day_orders() -> int:
    return services.expire_day_orders()
