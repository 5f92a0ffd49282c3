"""Writes of the proposals app: proposals and decisions (``proposals``), and the agents' runs
(``agents``)."""

from .agents import EXPECTED as AGENT_FAILURES
from .agents import (
    blueprints,
    check_params,
    execute,
    fail_stuck_runs,
    optimise_posted,
    run_scheduled,
    scaffold,
    scaffold_files,
    start_run,
)
from .proposals import (
    MAX_ANALYSED_CHARS,
    Head,
    analyse,
    apply,
    approve_suggestion,
    auto_apply,
    branch_name,
    create_proposal,
    decide,
    is_stale,
    planned_changes,
    register_repository,
    run_sandbox,
    text_at_head,
)

__all__ = [
    "AGENT_FAILURES",
    "MAX_ANALYSED_CHARS",
    "Head",
    "analyse",
    "apply",
    "approve_suggestion",
    "auto_apply",
    "blueprints",
    "branch_name",
    "check_params",
    "create_proposal",
    "decide",
    "execute",
    "fail_stuck_runs",
    "is_stale",
    "optimise_posted",
    "planned_changes",
    "register_repository",
    "run_sandbox",
    "run_scheduled",
    "scaffold",
    "scaffold_files",
    "start_run",
    "text_at_head",
]
