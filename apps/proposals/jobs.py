"""Job kinds of the proposals app."""

from django.core.exceptions import ValidationError

from apps.core.errors import Conflict, ServiceUnavailable, describe
from apps.core.jobs import JobError, register_job

from . import selectors, services
from .models import AgentRun


@register_job("proposals.sandbox", queue="default")
def sandbox(job, report):
    """Run the repository's tests with the proposal applied, in the sandbox."""
    proposal = selectors.proposal_by_id(job.params["proposal"])
    report(10, f"running {proposal.repository.test_command}")
    try:
        result = services.run_sandbox(proposal=proposal)
    except (Conflict, ValidationError, ServiceUnavailable) as exc:
        raise JobError(describe(exc)) from exc
    return {"proposal": proposal.pk, **result}


@register_job("proposals.auto_apply", queue="default")
def auto_apply(job, report):
    """Apply what the policy allows once its tests pass."""
    return {"outcomes": services.auto_apply(reviewer=job.owner)}


@register_job("proposals.agent", queue="analysis")
def agent(job, report):
    """One agent run (Guardian, Imperium, Sandbox or Conquest); its log is on the run."""
    run = selectors.run_by_id(job.params["run"])
    try:
        return services.execute(run, report)
    except services.AGENT_FAILURES as exc:
        raise JobError(AgentRun.objects.get(pk=run.pk).error) from exc
