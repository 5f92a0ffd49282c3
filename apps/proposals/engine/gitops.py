"""Git operations on a registered repository, never on its checked-out working tree: reads go
through ``git show <ref>:<path>``, writes through a temporary worktree on a new branch, which is
removed afterwards. Author and committer are set per commit."""

from __future__ import annotations

import os
import subprocess
import tempfile
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
    try:
        return git(path, "rev-parse", "--is-inside-work-tree").strip() == "true" and Path(path).is_dir()
    except (GitError, FileNotFoundError, NotADirectoryError):
        return False


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


def commit_file(
    repo,
    *,
    base: str,
    branch: str,
    path: str,
    content: str,
    message: str,
    author: Person,
    committer: Person,
) -> str:
    """Create ``branch`` from ``base`` with ``path`` set to ``content`` in one commit; returns its sha."""
    with tempfile.TemporaryDirectory(prefix="proposal-") as folder:
        tree = Path(folder) / "tree"
        git(repo, "worktree", "add", "--quiet", "-b", branch, str(tree), base)
        committed = False
        try:
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            git(tree, "add", "--", path)
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
            git(repo, "worktree", "remove", "--force", str(tree))
            if not committed:  # leave no half-made branch behind
                git(repo, "branch", "-D", branch)
