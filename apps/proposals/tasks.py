"""Celery tasks of the proposals app, each delegating to a service."""

from celery import shared_task

from . import services


@shared_task
def run_scheduled_agents() -> list[int]:
    """The beat's agents (``PROPOSALS_AGENT_SCHEDULE``) over every registered repository."""
    return services.run_scheduled()
