"""The agents: each run works over a repository's default branch in a temporary worktree, logs
what it does on its ``AgentRun`` and turns what it finds into proposals for people to review.

- Guardian scans the Python files with Bandit and its own rules; every finding is kept as a
  suggestion and each mechanical fix becomes a proposal.
- Imperium proposes ruff's fixes for the optimisation rules (offline), and with ``deep`` asks
  Claude, through the codegen service, to optimise the files named in ``deep_files``.
- Sandbox runs the repository's tests for pending proposals that have no test result yet.
- Conquest scaffolds a new app or feature from codegen templates as one multi-file proposal.

A change proposed before (whatever became of it, in particular a rejection) is not proposed
again — unless it was applied and the head still has what it fixed: its fingerprint includes the
file it results in, and an applied one does not count as "proposed before".
Runs start on demand (a job on the queue, with progress) or from the beat schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from rest_framework.exceptions import APIException

from apps.codegen import services as codegen
from apps.core import services as core_services
from apps.core.errors import Conflict, ServiceUnavailable, describe

from ..engine import conquest, gitops, guardian, imperium, snippets
from ..models import Agent, AgentRun, Proposal, Repository, Suggestion
from . import proposals as proposal_services

logger = logging.getLogger(__name__)
Report = Callable[[int, str], None]
MAX_DEEP_FILES = 5
MAX_SCAFFOLD_FILES = 20
# Failures a run reports in words (anything else is logged and shown as an internal error).
EXPECTED = (ValidationError, Conflict, gitops.GitError, imperium.RuffError, APIException, ServiceUnavailable)


# --- starting runs ------------------------------------------------------------------------------


def _paths_param(params: dict) -> list[str]:
    prefixes = params.get("paths", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise ValidationError({"paths": "A list of folder or file paths inside the repository."})
    for prefix in prefixes:
        proposal_services.check_path(prefix.rstrip("/") or ".", "paths")
    return prefixes


def check_params(agent: str, repository: Repository, params: dict, *, actor) -> dict:
    """The run's parameters, checked before anything is queued (a 400 naming the field)."""
    if agent not in Agent.values:
        raise ValidationError({"agent": f"Unknown agent {agent!r}; choose one of {', '.join(Agent.values)}."})
    params = dict(params or {})
    if agent in (Agent.GUARDIAN, Agent.IMPERIUM):
        params["paths"] = _paths_param(params)
    if agent == Agent.IMPERIUM and params.get("deep"):
        files = params.get("deep_files") or []
        if not isinstance(files, list) or not files or len(files) > MAX_DEEP_FILES:
            raise ValidationError({"deep_files": f"Name 1–{MAX_DEEP_FILES} files for Claude to optimise."})
        for path in files:
            if not isinstance(path, str) or codegen.language_for_path(path) is None:
                raise ValidationError({"deep_files": f"{path!r} is not a source file codegen knows."})
        if actor is None:
            raise ValidationError({"deep": "A deep run is started by a person (it counts against their quota)."})
        codegen.claude_configured()
        codegen.check_quota(actor)
    if agent == Agent.SANDBOX:
        if not repository.test_command.strip():
            raise ValidationError({"repository": f"{repository.name} has no test command to run."})
        ids = params.get("proposals", [])
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise ValidationError({"proposals": "A list of proposal ids."})
    if agent == Agent.CONQUEST:
        scaffold_files(params)  # raises on a bad blueprint, template or parameters
    return params


def start_run(*, agent: str, repository: Repository, params: dict | None = None, actor) -> AgentRun:
    """Check the parameters and queue the run as a job (its id is on the run)."""
    params = check_params(agent, repository, params or {}, actor=actor)
    with transaction.atomic():
        run = AgentRun.objects.create(agent=agent, repository=repository, params=params, started_by=actor)
        run.job = core_services.enqueue_job(owner=actor, kind="proposals.agent", params={"run": run.pk})
        run.save(update_fields=["job"])
    return run


def run_scheduled() -> list[int]:
    """The beat's entry: run each agent in ``PROPOSALS_AGENT_SCHEDULE`` over every repository, unless
    the same run is still going. A run is a job owned by whoever registered the repository (so it
    shows in their jobs with its progress); a repository nobody owns any more is run right here.
    Returns the runs' ids."""
    done = []
    for repository in Repository.objects.all():
        for agent in settings.PROPOSALS_AGENT_SCHEDULE:
            if agent == Agent.SANDBOX and not repository.test_command.strip():
                continue
            busy = AgentRun.objects.filter(
                agent=agent,
                repository=repository,
                status__in=[AgentRun.Status.QUEUED, AgentRun.Status.RUNNING],
                created_at__gt=timezone.now() - settings.JOB_STALL_TIMEOUT,
            )
            if busy.exists():
                continue
            with transaction.atomic():
                run = AgentRun.objects.create(agent=agent, repository=repository, trigger=AgentRun.Trigger.SCHEDULE)
                if repository.created_by_id:
                    run.job = core_services.enqueue_job(
                        owner=repository.created_by, kind="proposals.agent", params={"run": run.pk}
                    )
                    run.save(update_fields=["job"])
            if not run.job_id:
                try:
                    execute(run)
                except Exception:
                    logger.exception("Scheduled %s run %s failed", agent, run.pk)
            done.append(run.pk)
    return done


def fail_stuck_runs() -> int:
    """Fail the runs that will not finish: running for longer than ``JOB_STALL_TIMEOUT`` (their
    worker died), or still queued while their job has failed. Returns how many."""
    now = timezone.now()
    stopped = AgentRun.objects.filter(
        status=AgentRun.Status.RUNNING, started_at__lt=now - settings.JOB_STALL_TIMEOUT
    ).update(
        status=AgentRun.Status.FAILED,
        error="The run stopped without finishing (its worker went away); start it again.",
        finished_at=now,
    )
    lost = AgentRun.objects.filter(status=AgentRun.Status.QUEUED, job__status="failed").update(
        status=AgentRun.Status.FAILED, error="Its job failed before the run started; start it again.", finished_at=now
    )
    return stopped + lost


# --- running ------------------------------------------------------------------------------------


def log(run: AgentRun, line: str) -> None:
    stamp = timezone.now().strftime("%H:%M:%S")
    AgentRun.objects.filter(pk=run.pk).update(log=Concat(F("log"), Value(f"{stamp} {line}\n")))


def execute(run: AgentRun, report: Report | None = None) -> dict:
    """Run the agent; the outcome (counts, log, status) is kept on the run whatever happens."""

    def progress(percent: int, message: str) -> None:
        log(run, message)
        if report:
            report(percent, message)

    AgentRun.objects.filter(pk=run.pk).update(status=AgentRun.Status.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    worker = {
        Agent.GUARDIAN: _guardian,
        Agent.IMPERIUM: _imperium,
        Agent.SANDBOX: _sandbox,
        Agent.CONQUEST: _conquest,
    }[run.agent]
    progress(1, f"{run.get_agent_display()} on {run.repository.name} ({run.repository.default_branch})")
    try:
        counts = worker(run, progress)
    except Exception as exc:
        message = describe(exc)
        if not isinstance(exc, EXPECTED):
            message = f"Internal error (run {run.pk})."
            logger.exception("Agent run %s crashed", run.pk)
        log(run, f"failed: {message}")
        AgentRun.objects.filter(pk=run.pk).update(
            status=AgentRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    AgentRun.objects.filter(pk=run.pk).update(status=AgentRun.Status.SUCCEEDED, finished_at=timezone.now(), **counts)
    progress(100, "done: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    return {"run": run.pk, **counts}


def _python_files(run: AgentRun) -> list[str]:
    repository = run.repository
    prefixes = run.params.get("paths") or []
    found = [
        path
        for path in gitops.files(repository.path, repository.default_branch, suffix=".py")
        if not prefixes or any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)
    ]
    if len(found) > settings.PROPOSALS_AGENT_MAX_FILES:
        raise ValidationError(
            {
                "paths": f"{len(found):,} Python files; the limit is "
                f"{settings.PROPOSALS_AGENT_MAX_FILES:,}. Narrow paths."
            }
        )
    return found


class _Proposer:
    """Turns a run's changes into proposals against one snapshot of the head: each file read once,
    what was proposed before looked up in one query, the run's cap counted here. Used as a context
    manager: the proposals are written in one transaction and their log lines in one update."""

    def __init__(self, run: AgentRun, head: proposal_services.Head, changes: list[tuple[str, str, str]]):
        self.run, self.head, self.made, self.lines = run, head, 0, []
        prints = [self.fingerprint(*change) for change in changes]
        self.known = {
            fp: (pk, status)
            for i in range(0, len(prints), 1000)
            for fp, pk, status in Proposal.objects.filter(
                repository=run.repository, fingerprint__in=prints[i : i + 1000]
            ).values_list("fingerprint", "pk", "status")
        }

    def fingerprint(self, file_path: str, code_before: str, code_after: str) -> str:
        """The change's fingerprint with the file it results in at this head (as ``create_proposal`` keeps it)."""
        try:
            result = proposal_services.planned_changes(self.head, file_path, code_before, code_after)[file_path][1]
        except (ValidationError, Conflict):
            result = ""
        return proposal_services.fingerprint(file_path, code_before, code_after, result)

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *failure):
        if self.lines and not failure[0]:
            log(self.run, "\n".join(self.lines))
        return self.atomic.__exit__(*failure)

    def __call__(
        self, *, file_path: str, code_before: str, code_after: str, description: str, risk: str
    ) -> Proposal | None:
        """One proposal, unless it was proposed before or the run's cap is reached."""
        run = self.run
        if self.made >= settings.PROPOSALS_AGENT_MAX_PROPOSALS:
            self.lines.append(f"not proposing for {file_path}: this run made {self.made} already")
            return None
        fp = self.fingerprint(file_path, code_before, code_after)
        if fp in self.known and self.known[fp][1] != Proposal.Status.APPLIED:
            pk, status = self.known[fp]
            self.lines.append(f"skipped {file_path}: proposed before as #{pk} ({status})")
            return None
        if fp in self.known:
            self.lines.append(f"{file_path} still has it although #{self.known[fp][0]} was applied: proposing again")
        try:
            proposal = proposal_services.create_proposal(
                repository=run.repository,
                file_path=file_path,
                code_before=code_before,
                code_after=code_after,
                ai_type=run.agent,
                description=description,
                risk=risk,
                run=run,
                actor=run.started_by,
                head=self.head,
            )
        except (ValidationError, Conflict) as exc:
            self.lines.append(f"could not propose for {file_path}: {describe(exc)}")
            return None
        self.made += 1
        self.known[fp] = (proposal.pk, proposal.status)
        self.lines.append(f"proposed #{proposal.pk} ({risk}) for {file_path}")
        return proposal


@contextmanager
def _checked_out(run: AgentRun) -> Iterator[tuple[proposal_services.Head, Path, list[str]]]:
    """The head as the run sees it, a worktree of it, and the Python files the run looks at."""
    paths = _python_files(run)
    head = proposal_services.Head(run.repository)
    with gitops.worktree(run.repository.path, head.sha) as tree:
        head.remember(tree, paths)
        yield head, tree, paths


def _guardian(run: AgentRun, progress: Report) -> dict:
    repository = run.repository
    with _checked_out(run) as (head, tree, paths):
        progress(10, f"scanning {len(paths)} Python files with Bandit and Guardian's rules")
        findings = guardian.scan_tree(tree, paths)
    progress(70, f"{len(findings)} findings")
    suggestions = proposal_services.keep_findings(findings, repository=repository, run=run, created_by=run.started_by)
    fixable = [s for s in suggestions if s.code_after]
    with _Proposer(run, head, [(s.file_path, s.code_before, s.code_after) for s in fixable]) as propose:
        for suggestion in fixable:
            proposal = propose(
                file_path=suggestion.file_path,
                code_before=suggestion.code_before,
                code_after=suggestion.code_after,
                description=f"{suggestion.rule} {suggestion.name}: {suggestion.message} (line {suggestion.line})",
                risk="low" if suggestion.severity == "low" else "medium",
            )
            if proposal:
                Suggestion.objects.filter(pk=suggestion.pk).update(proposal=proposal)
    return {"files_scanned": len(paths), "findings": len(findings), "proposals_created": propose.made}


def _imperium(run: AgentRun, progress: Report) -> dict:
    rules = settings.PROPOSALS_IMPERIUM_RULES
    with _checked_out(run) as (head, tree, paths):
        progress(10, f"running ruff's fixable rules ({', '.join(rules)}) on {len(paths)} files")
        changes = imperium.optimise_tree(tree, paths, rules=rules, unsafe=settings.PROPOSALS_IMPERIUM_UNSAFE_FIXES)
    progress(50, f"{len(changes)} changes from ruff")
    with _Proposer(run, head, [(c.path, c.hunk.code_before, c.hunk.code_after) for c in changes]) as propose:
        for c in changes:
            propose(
                file_path=c.path,
                code_before=c.hunk.code_before,
                code_after=c.hunk.code_after,
                description=c.describe(),
                risk=c.risk,
            )
    made = propose.made
    if run.params.get("deep"):
        deep = _imperium_deep(run, progress, head)  # Claude first, outside any transaction
        with _Proposer(run, head, [(path, h.code_before, h.code_after) for path, h, _ in deep]) as propose:
            propose.made = made
            for path, hunk, description in deep:
                propose(
                    file_path=path,
                    code_before=hunk.code_before,
                    code_after=hunk.code_after,
                    description=description,
                    risk="medium",
                )
        made = propose.made
    findings = sum(len(c.violations) for c in changes)
    return {"files_scanned": len(paths), "findings": findings, "proposals_created": made}


def _imperium_deep(run: AgentRun, progress: Report, head: proposal_services.Head) -> list[tuple]:
    """Claude's optimisations of ``deep_files`` through the codegen service (each a generation
    counted against the run's owner), as ``(path, hunk, description)`` to propose."""
    goal, found = run.params.get("goal", "performance"), []
    for i, path in enumerate(run.params["deep_files"]):
        progress(60 + 30 * i // len(run.params["deep_files"]), f"asking Claude to optimise {path} ({goal})")
        text = head.text(path)
        if text is None:
            log(run, f"{path} is not on {run.repository.default_branch}; skipped")
            continue
        generation = codegen.improve_code(
            owner=run.started_by, code=text, language=codegen.language_for_path(path), goal=goal
        )
        if not generation.syntax.get("ok", True):
            log(run, f"Claude's version of {path} does not parse ({generation.syntax.get('error')}); not proposed")
            continue
        improved = generation.code
        if text.endswith("\n") and not improved.endswith("\n"):
            improved += "\n"
        found += [
            (
                path,
                hunk,
                f"Imperium (Claude, {goal}) in {path}, lines {hunk.first_line}–{hunk.last_line}\n\n"
                f"{generation.explanation[:2000]}\n\nGeneration #{generation.pk}.",
            )
            for hunk in snippets.hunks(text, improved)
        ]
    return found


def _sandbox(run: AgentRun, progress: Report) -> dict:
    ids = run.params.get("proposals") or []
    rows = Proposal.objects.filter(repository=run.repository, status=Proposal.Status.PENDING).select_related(
        "repository"
    )
    rows = list(rows.filter(pk__in=ids) if ids else rows.filter(test_result__isnull=True))
    passed = 0
    for i, proposal in enumerate(rows):
        progress(5 + 90 * i // max(1, len(rows)), f"testing #{proposal.pk} ({proposal.file_path})")
        try:
            result = proposal_services.run_sandbox(proposal=proposal)
        except (ValidationError, Conflict) as exc:
            log(run, f"#{proposal.pk} cannot be tested: {describe(exc)}")
            continue
        passed += result["verdict"] == "passed"
        log(run, f"#{proposal.pk}: {verdict_text(result)} in {result['seconds']} s")
    return {"files_scanned": len(rows), "findings": len(rows) - passed, "proposals_created": 0}


def verdict_text(result: dict) -> str:
    """A test result in words, never "passed" without what ran."""
    tests = result.get("tests")
    ran = "an unknown number of tests" if tests is None else f"{tests} test{'s' if tests != 1 else ''}"
    verdict = result.get("verdict") or ("passed" if result.get("passed") else "failed")
    if verdict == "not_covered":
        return f"no test covers this change ({ran} ran and passed)"
    if verdict == "passed":
        touched = {True: "touching the change", None: "whether they touch the change is unknown"}[result.get("touched")]
        return f"passed: {ran}, {touched}"
    if verdict == "timed_out":
        return "timed out"
    return f"failed (exit {result.get('exit_code')})"


# --- Conquest -----------------------------------------------------------------------------------


def scaffold_files(params: dict) -> list[dict]:
    """``[{"path", "content"}]`` for a scaffold: a blueprint with its params, or explicit files each
    rendered from a codegen template. A 400 names the field that is wrong."""
    if params.get("blueprint") and params.get("files"):
        raise ValidationError({"files": "Give a blueprint or files, not both."})
    if params.get("blueprint"):
        try:
            specs = conquest.expand(params["blueprint"], params.get("params") or {})
        except conquest.BlueprintError as exc:
            raise ValidationError(exc.errors) from exc
    else:
        specs = params.get("files")
        if not isinstance(specs, list) or not specs:
            raise ValidationError({"files": "Give a blueprint, or files as [{path, template, params}]."})
    if len(specs) > MAX_SCAFFOLD_FILES:
        raise ValidationError({"files": f"At most {MAX_SCAFFOLD_FILES} files in one scaffold."})
    rendered = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise ValidationError({f"files[{i}].path": "Required."})
        proposal_services.check_path(spec["path"], f"files[{i}].path")
        if any(spec["path"] == done["path"] for done in rendered):
            raise ValidationError({f"files[{i}].path": f"{spec['path']} is named twice."})
        if spec.get("template"):
            try:
                content = codegen.render_template(
                    template=codegen.template_of(spec["template"]), params=spec.get("params") or {}
                )
            except ValidationError as exc:
                raise ValidationError({f"files[{i}].{key}": value for key, value in exc.message_dict.items()}) from exc
        elif isinstance(spec.get("content"), str):
            content = spec["content"]
        else:
            raise ValidationError({f"files[{i}].template": "Name a codegen template (or give content)."})
        rendered.append({"path": spec["path"], "content": content})
    return rendered


def _describe_scaffold(params: dict, files: list[dict]) -> str:
    title = params.get("description") or (
        f"Conquest: {params['blueprint']} scaffold" if params.get("blueprint") else "Conquest: new files"
    )
    return f"{title}\n\n" + "\n".join(f"- {f['path']}" for f in files)


def _conquest(run: AgentRun, progress: Report) -> dict:
    files = scaffold_files(run.params)
    progress(30, f"rendered {len(files)} files from codegen templates")
    created = _scaffold(run.repository, run.params, files, run=run, actor=run.started_by)
    log(run, f"proposed #{created.pk}: {', '.join(created.paths)}")
    return {"files_scanned": len(files), "findings": 0, "proposals_created": 1}


def _scaffold(repository, params, files, *, run=None, actor=None) -> Proposal:
    first, *more = files
    return proposal_services.create_proposal(
        repository=repository,
        file_path=first["path"],
        code_before="",
        code_after=first["content"] or "\n",
        more_files=more,
        ai_type=Agent.CONQUEST,
        description=_describe_scaffold(params, files),
        risk="medium",
        run=run,
        actor=actor,
    )


def blueprints() -> list[dict]:
    return conquest.catalogue()


def scaffold(*, repository: Repository, params: dict, actor) -> Proposal:
    """Conquest at once (rendering is offline and quick): the scaffold as one multi-file proposal."""
    return _scaffold(repository, params, scaffold_files(params), actor=actor)


# --- Imperium on posted code --------------------------------------------------------------------


def optimise_posted(*, file_path: str, code: str) -> dict:
    """Ruff's fixes for posted Python code: the fixed code and each change with what it fixes."""
    proposal_services.check_posted_python(file_path=file_path, code=code, agent="Imperium")
    fixed, changes = imperium.optimise_code(
        code, file_path, rules=settings.PROPOSALS_IMPERIUM_RULES, unsafe=settings.PROPOSALS_IMPERIUM_UNSAFE_FIXES
    )
    return {
        "code": fixed,
        "changed": fixed != code,
        "diff": codegen.unified_diff(code, fixed, name=file_path),
        "changes": [
            {
                "code_before": c.hunk.code_before,
                "code_after": c.hunk.code_after,
                "lines": [c.hunk.first_line, c.hunk.last_line],
                "risk": c.risk,
                "fixes": [{"rule": v.code, "message": v.message, "line": v.line, "fix": v.fix} for v in c.violations],
            }
            for c in changes
        ],
    }
