"""Celery tasks of the proposals app, each delegating to a service."""

from celery import shared_task

from . import services


@shared_task
def run_scheduled_agents() -> list[int]:
    """The beat's agents (``PROPOSALS_AGENT_SCHEDULE``) over every registered repository."""
    return services.run_scheduled()


@shared_task
def fail_stuck_runs() -> int:
    """Agent runs whose worker died: failed, with the reason, so the agent can run again."""
    return services.fail_stuck_runs()
