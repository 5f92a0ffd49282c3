"""Writes of the proposals app: repositories, proposals, decisions and applying to git.

Deciding is a conditional UPDATE on a pending proposal (deciding twice is a 409); only reviewers
decide; a rejection needs a reason. Applying locks the repository row, so two applies to one
repository run one after the other, and writes through ``engine.gitops`` on a branch named for the
proposal — never on the checked-out branch.

Every file a proposal writes must parse (Python with ``ast.parse``, other languages with codegen's
checkers): a file that does not is refused when the proposal is stored (400) and again when it is
applied (409), naming the file and the line. Repository code (tests, hooks) runs only in the
sandbox (``engine.sandbox``).
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.codegen import services as codegen
from apps.core.errors import Conflict, ServiceUnavailable, describe

from ..engine import gitops, learning, sandbox, snippets
from ..models import AgentRecord, AgentRun, Decision, Proposal, Repository, Suggestion

MAX_FILE_BYTES = 2_000_000
MAX_ANALYSED_CHARS = 500_000


def check_path(path: str, field: str = "file_path") -> None:
    """A 400 on ``field`` when ``path`` may not be written in a repository (the codegen path rules)."""
    if reason := codegen.unsafe_path_reason(path):
        raise ValidationError({field: f"{path!r}: {reason}."})


def check_posted_python(*, file_path: str, code: str, agent: str) -> None:
    """What an agent takes as posted code: a safe ``.py`` path and at most ``MAX_ANALYSED_CHARS``."""
    check_path(file_path)
    if not file_path.endswith(".py"):
        raise ValidationError({"file_path": f"{agent} works on Python files (.py)."})
    if len(code) > MAX_ANALYSED_CHARS:
        raise ValidationError({"code": f"{len(code):,} characters; the limit is {MAX_ANALYSED_CHARS:,}."})


def checked_repository_path(path: str, default_branch: str) -> str:
    """The resolved path of a repository that may be registered: under ``PROPOSALS_REPOSITORY_ROOTS``
    (when set), the top folder of a git working tree, with the branch. A 400 names the field."""
    resolved = Path(path).resolve()
    roots = [Path(root).resolve() for root in settings.PROPOSALS_REPOSITORY_ROOTS]
    if roots and not any(resolved == root or root in resolved.parents for root in roots):
        where = ", ".join(map(str, roots))
        raise ValidationError({"path": f"{path} is not under {where} (PROPOSALS_REPOSITORY_ROOTS)."})
    if not gitops.is_repository(resolved):
        raise ValidationError({"path": f"{path} is not a git repository (the top folder of one)."})
    if not gitops.branch_exists(resolved, default_branch):
        raise ValidationError({"default_branch": f"The repository has no branch {default_branch!r}."})
    return str(resolved)


def register_repository(
    *, name: str, path: str, default_branch: str = "main", test_command: str = "", actor=None
) -> Repository:
    """Register a local git repository (see ``checked_repository_path``)."""
    if Repository.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": f"A repository called {name!r} is registered already."})
    path = checked_repository_path(path, default_branch)
    return Repository.objects.create(
        name=name.strip(), path=path, default_branch=default_branch, test_command=test_command, created_by=actor
    )


class Head:
    """The head of a repository's default branch, as one piece of work sees it: the commit resolved
    once and each file read at that commit once (an agent proposing many changes to one file, or a
    list of proposals checked for staleness, reads it once)."""

    def __init__(self, repository: Repository):
        self.repository = repository
        self._texts: dict[str, str | None] = {}

    @cached_property
    def sha(self) -> str:
        return gitops.head(self.repository.path, self.repository.default_branch)

    def text(self, file_path: str) -> str | None:
        """The file's text, None when it does not exist; a binary or huge file is a 400."""
        if file_path not in self._texts:
            self._texts[file_path] = self._read(file_path)
        return self._texts[file_path]

    def remember(self, tree: Path, paths: list[str]) -> None:
        """Take the files' texts from a worktree checked out at ``sha`` (cheaper than reading each).
        A file that is not proposal text is left out: only a change to it is refused, by ``text``."""
        for path in paths:
            if path not in self._texts:
                try:
                    self._texts[path] = self._decode(path, (tree / path).read_bytes())
                except ValidationError:
                    continue

    def _read(self, file_path: str) -> str | None:
        data = gitops.read(self.repository.path, self.sha, file_path)
        return None if data is None else self._decode(file_path, data)

    @staticmethod
    def _decode(file_path: str, data: bytes) -> str:
        if b"\0" in data[:8192] or len(data) > MAX_FILE_BYTES:
            raise ValidationError(
                {"file_path": f"{file_path} is a binary or very large file; proposals change text files."}
            )
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise ValidationError({"file_path": f"{file_path} is not UTF-8 text."}) from exc


def _new_content(head: Head, file_path: str, code_before: str, code_after: str) -> tuple[str, str]:
    """(current text, text after the change), or a 409 showing the closest lines."""
    repository = head.repository
    current = head.text(file_path)
    if not code_before:
        if current is not None:  # the same condition as a scaffold's further files: one status, 409
            raise Conflict(
                f"{file_path} exists on {repository.default_branch} already; give code_before to change it.",
                code="file_exists",
            )
        return "", code_after
    if current is None:
        raise ValidationError({"file_path": f"{file_path} does not exist on {repository.default_branch}."})
    replaced = snippets.replace(current, code_before, code_after)
    if replaced is None:
        near = snippets.closest_lines(current, code_before)
        raise Conflict(
            f"code_before is not in {file_path} on {repository.default_branch} (not even ignoring whitespace). "
            f"Closest, lines {near['from_line']}–{near['to_line']} ({near['similarity']:.0%} alike):\n"
            + "\n".join(near["lines"]),
            code="snippet_not_found",
        )
    return current, replaced[0]


def _more_files(head: Head, more_files: list[dict], taken: set[str]) -> dict[str, str]:
    """The further new files of a multi-file proposal, each at a safe path that is free at the head."""
    repository, found = head.repository, {}
    for i, item in enumerate(more_files):
        path = item["path"]
        check_path(path, f"more_files[{i}].path")
        if path in taken or path in found:
            raise ValidationError({f"more_files[{i}].path": f"{path} is named twice."})
        if head.text(path) is not None:
            raise Conflict(
                f"{path} exists on {repository.default_branch} already; a scaffold only adds files.",
                code="file_exists",
            )
        found[path] = item["content"]
    return found


def planned_changes(
    head: Head, file_path: str, code_before: str, code_after: str, more_files: list[dict] = ()
) -> dict[str, tuple[str, str]]:
    """path → (text at the head, text after the change) for every file the change touches; a 409 or a
    400 naming the field when it no longer fits the branch head."""
    changes = {file_path: _new_content(head, file_path, code_before, code_after)}
    changes.update((path, ("", content)) for path, content in _more_files(head, more_files, {file_path}).items())
    return changes


def syntax_problems(changes: dict[str, str]) -> list[str]:
    """Each changed file that does not parse, as "path, line N: what" (codegen's checkers, by extension)."""
    return [
        f"{path}, {problem}"
        for path, content in changes.items()
        if (problem := codegen.syntax_problem(path=path, code=content))
    ]


def _contents(proposal: Proposal, head: Head | None = None) -> dict[str, str]:
    return {
        path: after
        for path, (_, after) in planned_changes(
            head or Head(proposal.repository),
            proposal.file_path,
            proposal.code_before,
            proposal.code_after,
            proposal.more_files,
        ).items()
    }


def fingerprint(file_path: str, code_before: str, code_after: str, result: str = "") -> str:
    """What identifies a change in its repository (for finding it proposed before, by index): the
    path, both snippets and the file it results in (so the same fix to a file that changed since is
    a new change)."""
    digest = hashlib.sha256()
    for part in (file_path, code_before, code_after, result):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def create_proposal(
    *,
    repository: Repository,
    file_path: str,
    code_before: str,
    code_after: str,
    ai_type: str,
    description: str,
    risk: str = "medium",
    more_files: list[dict] | None = None,
    run: AgentRun | None = None,
    actor=None,
    head: Head | None = None,
) -> Proposal:
    """Record a proposal after checking its paths and that its snippet is in the file at the head
    (``head``: the snapshot a run works from, so each file is read once)."""
    head = head or Head(repository)
    check_path(file_path)
    if code_before == code_after:
        raise ValidationError({"code_after": "The change changes nothing."})
    changes = planned_changes(head, file_path, code_before, code_after, more_files or [])
    if broken := syntax_problems({path: after for path, (_, after) in changes.items()}):
        raise ValidationError(
            {"code_after": "The changed file would not parse: " + "; ".join(broken) + ". Nothing was stored."}
        )
    return Proposal.objects.create(
        repository=repository,
        file_path=file_path,
        code_before=code_before,
        code_after=code_after,
        more_files=more_files or [],
        ai_type=ai_type,
        description=description,
        risk=risk,
        run=run,
        created_by=actor,
        diff="".join(
            _diff(path, before, after, new=not code_before or path != file_path)
            for path, (before, after) in changes.items()
        ),
        base_commit=head.sha,
        fingerprint=fingerprint(file_path, code_before, code_after, changes[file_path][1]),
    )


def _diff(path: str, before: str, after: str, *, new: bool) -> str:
    """One file's part of the proposal's diff, with git's headers (so a reviewer's tools, and the
    diff viewer, see each file, and a new one — even an empty one — as new)."""
    diff = codegen.unified_diff(before, after, name=path)
    header = f"diff --git a/{path} b/{path}\n"
    if not new:
        return header + diff
    body = diff.split("\n", 2)[2] if diff else ""  # the hunks, after the ---/+++ lines
    return f"{header}new file mode 100644\n" + (f"--- /dev/null\n+++ b/{path}\n{body}" if body else "")


def is_stale(proposal: Proposal, head: Head | None = None) -> bool:
    """A pending proposal whose snippet is no longer in the file at the branch head (or one of whose
    new files exists there now)."""
    if proposal.status != Proposal.Status.PENDING:
        return False
    try:
        _contents(proposal, head)
    except (Conflict, ValidationError):
        return True
    return False


def stale_ids(proposals) -> set[int]:
    """The stale ones of a list of proposals, reading each repository's head and files once."""
    heads: dict[int, Head] = {}
    stale = set()
    for p in proposals:
        if p.status != Proposal.Status.PENDING:
            continue
        if p.repository_id not in heads:
            heads[p.repository_id] = Head(p.repository)
        if is_stale(p, heads[p.repository_id]):
            stale.add(p.pk)
    return stale


@transaction.atomic
def decide(*, proposal: Proposal, reviewer, accept: bool, reason: str = "") -> Proposal:
    """Accept or reject a pending proposal (reviewers only; a rejection needs a reason). Updates the
    agent's record and keeps the decision."""
    if not getattr(reviewer, "is_reviewer", False):
        raise PermissionDenied("Only reviewers may decide proposals.")
    if not accept and not reason.strip():
        raise ValidationError({"reason": "Say why the proposal is rejected."})
    status = Proposal.Status.ACCEPTED if accept else Proposal.Status.REJECTED
    changed = Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.PENDING).update(
        status=status, reviewer=reviewer, reason=reason.strip(), decided_at=timezone.now()
    )
    if not changed:
        proposal.refresh_from_db()
        raise Conflict(f"Proposal #{proposal.pk} is {proposal.get_status_display().lower()} already.", code="decided")
    proposal.refresh_from_db()
    Decision.objects.create(
        proposal=proposal,
        reviewer=reviewer,
        decision=status,
        reason=reason.strip(),
        agent=proposal.ai_type,
        risk=proposal.risk,
        file_type=(proposal.file_path.rsplit(".", 1)[-1] if "." in proposal.file_path else "")[:20],
    )
    record, _ = AgentRecord.objects.select_for_update().get_or_create(agent=proposal.ai_type)
    for name, value in learning.after(
        xp=record.xp, learning_score=record.learning_score, accepted=accept, risk=proposal.risk
    ).items():
        setattr(record, name, value)
    if accept:
        record.accepted += 1
    else:
        record.rejected += 1
    record.save()
    return proposal


def branch_name(proposal: Proposal) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", proposal.description.lower())[:40].strip("-") or "change"
    return f"proposal/{proposal.pk}-{slug}"


class _CannotApply(Exception):
    def __init__(self, error):
        self.error = error


def apply(*, proposal: Proposal, reviewer) -> Proposal:
    """Write an accepted proposal to a new branch (author: the agent, committer: the reviewer).
    A snippet that is gone is a 409 with the closest lines, and the proposal is marked apply-failed."""
    try:
        return _apply(proposal=proposal, reviewer=reviewer)
    except _CannotApply as failed:
        error = failed.error
        message = describe(error)
        Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.ACCEPTED).update(
            status=Proposal.Status.APPLY_FAILED, apply_error=message
        )
        raise error from None


@transaction.atomic
def _apply(*, proposal: Proposal, reviewer) -> Proposal:
    if not getattr(reviewer, "is_reviewer", False):
        raise PermissionDenied("Only reviewers may apply proposals.")
    repository = Repository.objects.select_for_update().get(pk=proposal.repository_id)  # one writer per repository
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.ACCEPTED:
        raise Conflict(
            f"Only accepted proposals can be applied; #{proposal.pk} is {proposal.status}.", code="not_accepted"
        )
    try:
        changes = _contents(proposal)
    except (Conflict, ValidationError) as exc:
        raise _CannotApply(exc) from exc
    if broken := syntax_problems(changes):
        raise _CannotApply(
            Conflict(
                "The change would commit a file that does not parse: " + "; ".join(broken) + ". Nothing was committed.",
                code="does_not_parse",
            )
        )
    branch = branch_name(proposal)
    agent = dict(Proposal._meta.get_field("ai_type").choices)[proposal.ai_type].split(" ")[0]
    try:
        commit = gitops.commit_files(
            repository.path,
            base=repository.default_branch,
            branch=branch,
            changes=changes,
            message=f"{agent}: {proposal.description.splitlines()[0][:72]}\n\nProposal #{proposal.pk}, accepted by "
            f"{reviewer.email}.\n{proposal.reason}".strip(),
            author=gitops.Person(f"{agent} agent", f"{proposal.ai_type}@agents.ai-platform.local"),
            committer=gitops.Person(reviewer.display_name or reviewer.email, reviewer.email),
            hooks=gitops.Hooks(enabled=repository.run_hooks, policy=sandbox_policy() if repository.run_hooks else None),
        )
    except gitops.HookRejected as exc:
        raise _CannotApply(Conflict(str(exc), code="hook_rejected")) from exc
    except sandbox.SandboxUnavailable as exc:
        raise ServiceUnavailable(str(exc), code="sandbox_unavailable") from exc
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Proposal.Status.APPLIED,
        branch=branch,
        commit=commit.sha,
        hooks=commit.hooks[:300],
        applied_at=timezone.now(),
        apply_error="",
    )
    proposal.refresh_from_db()
    return proposal


# --- sandbox and auto-apply ---------------------------------------------------------------------


def sandbox_policy() -> sandbox.Policy:
    """The sandbox as the settings configure it."""
    return sandbox.Policy(
        uid=settings.PROPOSALS_SANDBOX_UID,
        gid=settings.PROPOSALS_SANDBOX_UID,
        limits=sandbox.Limits(
            timeout=settings.PROPOSALS_SANDBOX_TIMEOUT,
            cpu_seconds=settings.PROPOSALS_SANDBOX_CPU_SECONDS,
            memory_bytes=settings.PROPOSALS_SANDBOX_MEMORY_MB * 1024**2,
            processes=settings.PROPOSALS_SANDBOX_PROCESSES,
            file_bytes=settings.PROPOSALS_SANDBOX_FILE_MB * 1024**2,
            output_bytes=settings.PROPOSALS_SANDBOX_OUTPUT_KB * 1024,
        ),
        allow_unisolated=settings.PROPOSALS_SANDBOX_ALLOW_UNISOLATED,
        bwrap=settings.PROPOSALS_SANDBOX_BWRAP,
    )


def check_sandbox() -> None:
    """A 503 saying why when the sandbox cannot isolate here (and unisolated runs are not allowed)."""
    policy = sandbox_policy()
    if not policy.allow_unisolated and (problem := sandbox.isolation_problem(policy)):
        raise ServiceUnavailable(
            f"The sandbox cannot isolate on this machine: {problem}. Nothing was run.", code="sandbox_unavailable"
        )


def _test_environment(repository: Repository) -> dict[str, str]:
    env = repository.test_environment or {}
    if not isinstance(env, dict):
        return {}
    return {str(k): str(v) for k, v in env.items() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k))}


def run_sandbox(*, proposal: Proposal) -> dict:
    """Run the repository's test command with the proposal applied, in the sandbox (a temporary
    worktree, an unprivileged uid, no network, the limits in the settings); the result — pass or
    fail, how many tests ran and whether they touched the change, the output — is stored on the
    proposal. A 503 when the sandbox cannot isolate: nothing runs then."""
    repository = proposal.repository
    if not repository.test_command.strip():
        raise ValidationError({"repository": f"{repository.name} has no test command to run."})
    planned = planned_changes(
        Head(repository), proposal.file_path, proposal.code_before, proposal.code_after, proposal.more_files
    )
    try:
        result = gitops.run_tests_with_change(
            repository.path,
            base=repository.default_branch,
            changes={path: after for path, (_, after) in planned.items()},
            changed_lines={path: snippets.changed_lines(before, after) for path, (before, after) in planned.items()},
            command=repository.test_command,
            policy=sandbox_policy(),
            env=_test_environment(repository),
        ).as_dict()
    except sandbox.SandboxUnavailable as exc:
        raise ServiceUnavailable(str(exc), code="sandbox_unavailable") from exc
    Proposal.objects.filter(pk=proposal.pk).update(test_result=result)
    return result


def auto_apply(*, reviewer) -> list[dict]:
    """Apply every pending proposal the policy allows (``PROPOSALS_AUTO_APPLY``: agent → risks) whose
    tests pass in the sandbox and touch the change; the others are left pending with their result."""
    outcomes = []
    for proposal in Proposal.objects.filter(status=Proposal.Status.PENDING).select_related("repository"):
        if proposal.risk not in settings.PROPOSALS_AUTO_APPLY.get(proposal.ai_type, ()):
            continue
        try:
            result = run_sandbox(proposal=proposal)
        except (Conflict, ValidationError, ServiceUnavailable) as exc:
            outcomes.append({"proposal": proposal.pk, "applied": False, "why": describe(exc)})
            continue
        if result["verdict"] != "passed":
            why = {"not_covered": "no test covers this change", "timed_out": "the tests timed out"}
            outcomes.append(
                {"proposal": proposal.pk, "applied": False, "why": why.get(result["verdict"], "tests failed")}
            )
            continue
        decide(
            proposal=proposal, reviewer=reviewer, accept=True, reason="Auto-applied: allowed by policy, tests passed."
        )
        applied = apply(proposal=proposal, reviewer=reviewer)
        outcomes.append({"proposal": proposal.pk, "applied": True, "commit": applied.commit})
    return outcomes


# --- Guardian -----------------------------------------------------------------------------------


@transaction.atomic
def analyse(*, actor, file_path: str, code: str) -> list[Suggestion]:
    """Guardian's findings on posted code, kept as suggestions (those with a fix can become proposals)."""
    from ..engine import guardian

    check_posted_python(file_path=file_path, code=code, agent="Guardian")
    return keep_findings(guardian.scan(code, file_path), created_by=actor)


def keep_findings(findings, **where) -> list[Suggestion]:
    """Guardian's findings stored as suggestions (``where``: who asked, the repository and run)."""
    return Suggestion.objects.bulk_create(
        Suggestion(
            **where,
            file_path=f.path,
            rule=f.rule,
            name=f.name,
            severity=f.severity,
            confidence=f.confidence,
            cwe=f.cwe,
            line=f.line,
            message=f.message[:500],
            code_before=f.code_before,
            code_after=f.code_after,
        )
        for f in findings
    )


@transaction.atomic
def approve_suggestion(*, suggestion: Suggestion, repository: Repository | None = None, actor) -> Proposal:
    """Turn a suggestion with a mechanical fix into a Guardian proposal against ``repository`` (by
    default the one it was found in)."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    repository = repository or suggestion.repository
    if repository is None:
        raise ValidationError({"repository": "Name the repository to propose the fix against."})
    if not suggestion.code_after:
        raise ValidationError({"suggestion": f"{suggestion.rule} has no mechanical fix to propose."})
    if suggestion.proposal_id:
        raise Conflict(f"Suggestion {suggestion.pk} is proposal #{suggestion.proposal_id} already.", code="proposed")
    proposal = create_proposal(
        repository=repository,
        file_path=suggestion.file_path,
        code_before=suggestion.code_before,
        code_after=suggestion.code_after,
        ai_type="guardian",
        description=f"{suggestion.rule} {suggestion.name}: {suggestion.message}",
        risk="low" if suggestion.severity == "low" else "medium",
        actor=actor,
    )
    suggestion.proposal = proposal
    suggestion.save(update_fields=["proposal"])
    return proposal
