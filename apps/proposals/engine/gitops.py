"""Git operations on a registered repository, never on its checked-out working tree: reads go
through ``git show <ref>:<path>``, writes through a temporary worktree on a new branch, which is
removed afterwards. Author and committer are set per commit."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class GitError(RuntimeError):
    pass


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def git(repo: str | Path, *args: str, env: dict | None = None, timeout: float = 60) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed executable with argument lists, no shell
        ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH is the point
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
        ["git", "-C", str(repo), "show", f"{ref}:{path}"],  # noqa: S607
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


def commit_files(
    repo,
    *,
    base: str,
    branch: str,
    changes: dict[str, str],
    message: str,
    author: Person,
    committer: Person,
) -> str:
    """Create ``branch`` from ``base`` with each path set to its content in one commit; returns its sha."""
    if branch_exists(repo, branch):
        raise GitError(f"A branch called {branch} exists already.")
    committed = False
    try:
        with worktree(repo, base, branch=branch) as tree:
            write(tree, changes)
            git(tree, "add", "--", *changes)
            env = {
                "GIT_AUTHOR_NAME": author.name,
                "GIT_AUTHOR_EMAIL": author.email,
                "GIT_COMMITTER_NAME": committer.name,
                "GIT_COMMITTER_EMAIL": committer.email,
            }
            git(tree, "commit", "--quiet", "--no-verify", "-m", message, env=env)
            committed = True
            return git(tree, "rev-parse", "HEAD").strip()
    finally:
        if not committed and branch_exists(repo, branch):  # leave no half-made branch behind
            git(repo, "branch", "-D", branch)


@dataclass(frozen=True)
class TestRun:
    passed: bool
    exit_code: int | None
    output: str
    seconds: float
    timed_out: bool
    command: str

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "output": self.output,
            "seconds": round(self.seconds, 3),
            "timed_out": self.timed_out,
            "command": self.command,
        }


def run_tests_with_change(
    repo, *, base: str, changes: dict[str, str], command: str, timeout: float, max_output: int = 20_000
) -> TestRun:
    """Run ``command`` (split like a shell would, but run without one) in a temporary detached
    worktree of ``base`` with each changed path set to its content; the worktree is removed afterwards."""
    args = shlex.split(command)
    with worktree(repo, base) as tree:
        write(tree, changes)
        started = time.monotonic()
        try:
            done = subprocess.run(  # noqa: S603 - the repository's own test command, no shell
                args,
                cwd=tree,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except subprocess.TimeoutExpired as exc:
            partial = (exc.stdout or "") + (exc.stderr or "")
            partial = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
            return TestRun(
                False,
                None,
                partial[-max_output:] + f"\n[stopped after {timeout:g} s]",
                time.monotonic() - started,
                True,
                command,
            )
        except FileNotFoundError:
            return TestRun(False, None, f"{args[0]}: command not found", 0.0, False, command)
        output = (done.stdout + done.stderr)[-max_output:]
        return TestRun(done.returncode == 0, done.returncode, output, time.monotonic() - started, False, command)
