"""Snippet matching and git writes against real temporary repositories."""

import pytest

from apps.proposals.engine import gitops, snippets
from tests.proposals.conftest import SOURCE


def test_exact_then_whitespace_tolerant_matching():
    exact = snippets.locate(SOURCE, "def run(cmd):\n    return os.system(cmd)\n")
    assert exact.exact and SOURCE[exact.start : exact.end].startswith("def run")
    loose = snippets.locate(SOURCE, "def run( cmd):\n        return  os.system(cmd)")
    assert loose is None  # inner spacing differs after collapsing too: "run( cmd)" is not "run(cmd)"
    loose = snippets.locate(SOURCE, "def  run(cmd):\n\treturn os.system(cmd)   ")
    assert loose is not None and not loose.exact
    assert SOURCE[loose.start : loose.end] == "def run(cmd):\n    return os.system(cmd)"
    assert snippets.locate(SOURCE, "def missing():\n    pass") is None


def test_replace_and_closest_lines():
    new, match = snippets.replace(SOURCE, "    return os.system(cmd)\n", "    return subprocess.run(cmd, check=True)\n")
    assert "subprocess.run" in new and "os.system" not in new and match.exact
    near = snippets.closest_lines(SOURCE, "def run(command):\n    return os.system(command)")
    assert near["from_line"] <= 4 <= near["to_line"] and 0.7 < near["similarity"] < 1
    assert "def run(cmd):" in near["lines"]


def test_commit_on_a_new_branch_leaves_the_checked_out_tree_alone(repo):
    assert gitops.is_repository(repo) and not gitops.is_repository(repo.parent)
    (repo / "pkg").mkdir()
    assert not gitops.is_repository(repo / "pkg")  # inside a repository is not one
    base = gitops.head(repo, "main")
    commit = gitops.commit_files(
        repo,
        base="main",
        branch="proposal-1",
        changes={
            "app.py": SOURCE.replace("os.system(cmd)", "subprocess.run(cmd, check=True)"),
            "pkg/new.py": "NEW = 1\n",
        },
        message="Guardian: replace os.system",
        author=gitops.Person("Guardian agent", "guardian@agents.local"),
        committer=gitops.Person("Rita Reviewer", "rita@example.com"),
    )
    assert gitops.head(repo, "main") == base  # the branch people work on did not move
    assert (repo / "app.py").read_text() == SOURCE  # nor did the checked-out files
    assert gitops.git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    log = gitops.git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", "proposal-1").strip()
    assert log == "Guardian agent <guardian@agents.local>|Rita Reviewer <rita@example.com>|Guardian: replace os.system"
    assert gitops.head(repo, "proposal-1") == commit.sha
    assert "without running the repository's git hooks" in commit.hooks
    assert b"subprocess.run" in gitops.read(repo, "proposal-1", "app.py")
    assert gitops.read(repo, "proposal-1", "pkg/new.py") == b"NEW = 1\n"
    assert gitops.files(repo, "proposal-1", suffix=".py") == ["app.py", "pkg/new.py"]
    assert gitops.read(repo, "main", "nope.py") is None
    assert len(gitops.git(repo, "worktree", "list").splitlines()) == 1  # the temporary worktree is gone


def test_a_failed_commit_leaves_no_branch(repo):
    with pytest.raises(gitops.GitError):
        gitops.commit_files(
            repo,
            base="main",
            branch="proposal-2",
            changes={"app.py": SOURCE},  # no change: nothing to commit
            message="noop",
            author=gitops.Person("A", "a@x"),
            committer=gitops.Person("B", "b@x"),
        )
    assert not gitops.branch_exists(repo, "proposal-2")
    assert len(gitops.git(repo, "worktree", "list").splitlines()) == 1


def test_an_existing_branch_is_never_replaced_or_deleted(repo):
    gitops.git(repo, "branch", "taken")
    with pytest.raises(gitops.GitError, match="exists already"):
        gitops.commit_files(
            repo,
            base="main",
            branch="taken",
            changes={"app.py": SOURCE + "# more\n"},
            message="x",
            author=gitops.Person("A", "a@x"),
            committer=gitops.Person("B", "b@x"),
        )
    assert gitops.branch_exists(repo, "taken")
