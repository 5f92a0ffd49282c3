"""Git operations on a registered repository, never on its checked-out working tree: reads go
through ``git show <ref>:<path>``, writes through a temporary worktree on a new branch, which is
removed afterwards. Author and committer are set per commit.

Git itself never runs repository code here: every call turns hooks off (``core.hooksPath`` is
``/dev/null``, so not even ``post-checkout`` runs) and the file-system monitor off. A repository's
hooks and tests run only in the sandbox (``engine.sandbox``)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox

# Every git call: no hooks, no fsmonitor command (both would run code named by the repository's config).
SAFE = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")
PROBE = Path(__file__).resolve().parent / "probe"
PROBE_INSIDE = "/opt/platform-probe"  # where the sandbox sees it (not under the project's folder)


class GitError(RuntimeError):
    pass


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def git(repo: str | Path, *args: str, env: dict | None = None, timeout: float = 60) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed executable with argument lists, no shell
        ["git", *SAFE, "-C", str(repo), *args],  # noqa: S607 - git from PATH is the point
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
        check=False,
    )
    if done.returncode:
        raise GitError(done.stderr.strip() or done.stdout.strip() or f"git {args[0]} failed")
    return done.stdout


def is_repository(path: str | Path) -> bool:
    """Whether ``path`` is the top folder of a git working tree (not merely a folder inside one)."""
    try:
        top = git(path, "rev-parse", "--show-toplevel").strip()
    except (GitError, FileNotFoundError, NotADirectoryError):
        return False
    return Path(path).is_dir() and Path(top).resolve() == Path(path).resolve()


def branch_exists(repo, branch: str) -> bool:
    try:
        git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    except GitError:
        return False
    return True


def head(repo, branch: str) -> str:
    return git(repo, "rev-parse", f"refs/heads/{branch}").strip()


def read(repo, ref: str, path: str) -> bytes | None:
    """The file's bytes at ``ref``, or None when it does not exist there."""
    done = subprocess.run(  # noqa: S603
        ["git", *SAFE, "-C", str(repo), "show", f"{ref}:{path}"],  # noqa: S607
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def files(repo, ref: str, *, suffix: str = "") -> list[str]:
    """Paths of the files in ``ref`` (ending in ``suffix``), sorted."""
    names = git(repo, "ls-tree", "-r", "--name-only", "-z", ref).split("\0")
    return sorted(name for name in names if name and name.endswith(suffix))


@contextmanager
def worktree(repo, base: str, *, branch: str | None = None) -> Iterator[Path]:
    """A temporary worktree of ``base`` (on a new ``branch``, else detached), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="proposal-") as folder:
        tree = Path(folder) / "tree"
        git(repo, "worktree", "add", "--quiet", *(["-b", branch] if branch else ["--detach"]), str(tree), base)
        try:
            yield tree
        finally:
            git(repo, "worktree", "remove", "--force", str(tree))


def write(tree: Path, changes: dict[str, str]) -> None:
    for path, content in changes.items():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


@dataclass(frozen=True)
class Hooks:
    """Whether a commit runs the repository's hooks: never outside the sandbox; inside it only when
    an administrator enabled them for the repository."""

    enabled: bool = False
    policy: sandbox.Policy | None = None


@dataclass(frozen=True)
class Commit:
    sha: str
    hooks: str  # what happened to the hooks, in words


class HookRejected(GitError):
    pass


def _run_hooks(repo, tree: Path, message: str, hooks: Hooks) -> str:
    """Run the repository's ``pre-commit`` and ``commit-msg`` hooks in the sandbox on the worktree
    (read-only access to the repository's git folder); a hook that fails stops the commit."""
    folder = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    hooks_dir = folder / "hooks"
    ran = []
    for name in ("pre-commit", "commit-msg"):
        hook = hooks_dir / name
        if not hook.is_file() or not os.access(hook, os.X_OK):
            continue
        copy = tree / f".platform-hook-{name}"
        shutil.copyfile(hook, copy)
        copy.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        args = [str(copy)]
        if name == "commit-msg":
            (tree / ".platform-commit-msg").write_text(message)
            args.append(str(tree / ".platform-commit-msg"))
        try:
            outcome = sandbox.run(args, workdir=tree, policy=hooks.policy, readable=[folder])
        finally:
            copy.unlink(missing_ok=True)
            (tree / ".platform-commit-msg").unlink(missing_ok=True)
        if outcome.exit_code != 0:
            raise HookRejected(f"The repository's {name} hook refused the commit (in the sandbox):\n{outcome.output}")
        ran.append(name)
    if not ran:
        return "Hooks enabled for this repository, but it has no pre-commit or commit-msg hook."
    return f"The repository's {' and '.join(ran)} hooks ran in the sandbox and passed."


def commit_files(
    repo,
    *,
    base: str,
    branch: str,
    changes: dict[str, str],
    message: str,
    author: Person,
    committer: Person,
    hooks: Hooks = Hooks(),
) -> Commit:
    """Create ``branch`` from ``base`` with each path set to its content in one commit. Git's own
    hook run is always off; with ``hooks.enabled`` the repository's pre-commit and commit-msg hooks
    run in the sandbox first (one failing is a ``HookRejected``)."""
    if branch_exists(repo, branch):
        raise GitError(f"A branch called {branch} exists already.")
    committed = False
    try:
        with worktree(repo, base, branch=branch) as tree:
            write(tree, changes)
            if hooks.enabled:
                said = _run_hooks(repo, tree, message, hooks)
            else:
                said = (
                    "Committed without running the repository's git hooks "
                    "(an administrator can enable them; they run in the sandbox)."
                )
            git(tree, "add", "--", *changes)
            env = {
                "GIT_AUTHOR_NAME": author.name,
                "GIT_AUTHOR_EMAIL": author.email,
                "GIT_COMMITTER_NAME": committer.name,
                "GIT_COMMITTER_EMAIL": committer.email,
            }
            git(tree, "commit", "--quiet", "--no-verify", "-m", message, env=env)
            committed = True
            return Commit(git(tree, "rev-parse", "HEAD").strip(), said)
    finally:
        if not committed and branch_exists(repo, branch):  # leave no half-made branch behind
            git(repo, "branch", "-D", branch)


@dataclass(frozen=True)
class TestRun:
    """What a test run did: its exit, its output and what ran — how many tests, whether any of them
    imported a changed file, and which changed lines they executed (``None``: cannot be known)."""

    passed: bool
    exit_code: int | None
    output: str
    seconds: float
    timed_out: bool
    command: str
    tests: int | None = None
    touched: bool | None = None
    changed_lines: dict = field(default_factory=dict)  # path → [changed line numbers]
    lines_run: dict = field(default_factory=dict)  # path → [changed line numbers a test executed]
    isolated: bool = True

    @property
    def verdict(self) -> str:
        """``passed`` only when tests ran and (as far as can be known) touched the change."""
        if self.timed_out:
            return "timed_out"
        if not self.passed:
            return "failed"
        if self.tests == 0 or self.touched is False:
            return "not_covered"
        return "passed"

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "output": self.output,
            "seconds": round(self.seconds, 3),
            "timed_out": self.timed_out,
            "command": self.command,
            "tests": self.tests,
            "touched": self.touched,
            "changed_lines": self.changed_lines,
            "lines_run": self.lines_run,
            "isolated": self.isolated,
        }


_RAN = (re.compile(r"^Ran (\d+) tests? in ", re.M), re.compile(r"=+ .*?(\d+) passed.* =+$", re.M))


def _tests_in_output(output: str) -> int | None:
    """The test count a runner printed (unittest's "Ran N tests", pytest's "N passed"), if any."""
    if re.search(r"^=+ no tests ran", output, re.M):
        return 0
    for pattern in _RAN:
        if found := pattern.findall(output):
            return int(found[-1])
    return None


def _read_reports(folder: Path, limit: int = 5_000_000) -> list[dict]:
    """The probe's reports, read without following links (the sandbox wrote them) and size-capped."""
    reports = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name)[:1000]:
        try:
            handle = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(handle, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                continue
            data = file.read(limit + 1)
        try:
            report = json.loads(data) if len(data) <= limit else None
        except ValueError:
            continue
        if isinstance(report, dict):
            reports.append(report)
    return reports


def run_tests_with_change(
    repo,
    *,
    base: str,
    changes: dict[str, str],
    changed_lines: dict[str, list[int]],
    command: str,
    policy: sandbox.Policy,
    env: dict[str, str] | None = None,
) -> TestRun:
    """Run ``command`` (split like a shell would, but run without one) in the sandbox, in a
    temporary detached worktree of ``base`` with each changed path set to its content; the worktree
    is removed afterwards. A Python test run carries a probe that counts the tests and sees which
    changed files were imported and which ``changed_lines`` ran. Raises
    ``sandbox.SandboxUnavailable`` when it cannot isolate."""
    args = shlex.split(command)
    with worktree(repo, base) as tree, tempfile.TemporaryDirectory(prefix="probe-") as report:
        write(tree, changes)
        report_dir = Path(report)
        os.chown(report_dir, policy.uid, policy.gid)
        python_changes = {str(tree / path): path for path in changes if path.endswith(".py")}
        probe_env = {
            "PYTHONPATH": PROBE_INSIDE,
            "PYTEST_PLUGINS": "sandbox_probe_pytest",
            "SANDBOX_PROBE_REPORT": str(report_dir),
            "SANDBOX_PROBE_CHANGED": json.dumps(sorted(python_changes)),
        }
        outcome = sandbox.run(
            args,
            workdir=tree,
            policy=policy,
            env={**(env or {}), **probe_env},
            writable=[report_dir],
            aliases={PROBE_INSIDE: PROBE},
        )
        reports = _read_reports(report_dir)
    counted = [r["tests"] for r in reports if isinstance(r.get("tests"), int)]
    tests = sum(counted) if counted else _tests_in_output(outcome.output)
    touched = None
    lines_run: dict[str, list[int]] = {}
    if reports and python_changes:
        imported = {python_changes.get(p) for r in reports for p in r.get("imported") or []} - {None}
        for r in reports:
            for full, seen in (r.get("lines") or {}).items():
                if (path := python_changes.get(full)) and isinstance(seen, list):
                    wanted = set(changed_lines.get(path, ()))
                    lines_run.setdefault(path, set()).update(n for n in seen if n in wanted)
        lines_run = {path: sorted(found) for path, found in lines_run.items() if found}
        # Touched: a changed line ran; where a process's lines are incomplete (another tracer took
        # over), importing a changed file is the best that can be known.
        untraced = any(r.get("imported") and not r.get("traced") for r in reports)
        touched = bool(lines_run) or (bool(imported) and untraced)
    return TestRun(
        passed=outcome.exit_code == 0,
        exit_code=outcome.exit_code,
        output=outcome.output,
        seconds=outcome.seconds,
        timed_out=outcome.timed_out,
        command=command,
        tests=tests,
        touched=touched,
        changed_lines={path: lines for path, lines in changed_lines.items() if lines},
        lines_run=lines_run,
        isolated=outcome.isolated,
    )
