"""Writes of the proposals app: proposals and decisions (``proposals``), and the agents' runs
(``agents``)."""

from .agents import EXPECTED as AGENT_FAILURES
from .agents import (
    blueprints,
    execute,
    fail_stuck_runs,
    optimise_posted,
    run_scheduled,
    scaffold,
    start_run,
    verdict_text,
)
from .generation import gather_context, prepare_generation, propose_generation
from .proposals import (
    analyse,
    apply,
    approve_suggestion,
    auto_apply,
    check_sandbox,
    checked_repository_path,
    create_proposal,
    decide,
    is_stale,
    register_repository,
    run_sandbox,
    stale_ids,
)

__all__ = [
    "AGENT_FAILURES",
    "analyse",
    "apply",
    "approve_suggestion",
    "auto_apply",
    "blueprints",
    "check_sandbox",
    "checked_repository_path",
    "create_proposal",
    "decide",
    "execute",
    "fail_stuck_runs",
    "gather_context",
    "is_stale",
    "optimise_posted",
    "prepare_generation",
    "propose_generation",
    "register_repository",
    "run_sandbox",
    "run_scheduled",
    "scaffold",
    "stale_ids",
    "start_run",
    "verdict_text",
]
