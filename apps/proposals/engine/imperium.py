"""Imperium's mechanical optimisations: ruff's fixable rules, run offline over files or posted code.

Ruff runs with ``--isolated`` (the repository's own ruff settings do not switch rules off) on the
rules in ``PROPOSALS_IMPERIUM_RULES``. Each change comes with the violations it fixes; a change
that includes a fix ruff calls *unsafe* (it may, for instance, drop a comment) is medium risk,
every other one low.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .snippets import Hunk, hunks


class RuffError(RuntimeError):
    pass


@dataclass(frozen=True)
class Violation:
    path: str
    code: str
    message: str
    line: int
    fix: str  # "safe", "unsafe" or "" (none)


@dataclass
class Change:
    path: str
    hunk: Hunk
    violations: list[Violation] = field(default_factory=list)

    @property
    def risk(self) -> str:
        return "medium" if any(v.fix == "unsafe" for v in self.violations) else "low"

    def describe(self) -> str:
        codes = sorted({v.code for v in self.violations})
        lines = [f"Imperium: {', '.join(codes) or 'ruff fixes'} in {self.path}", ""]
        lines += [f"- line {v.line}: {v.code} {v.message}" for v in self.violations]
        return "\n".join(lines)


def _ruff(args: list[str], *, cwd: str | Path | None = None, stdin: str | None = None) -> str:
    from ruff.__main__ import find_ruff_bin

    done = subprocess.run(  # noqa: S603 - ruff's own binary with an argument list, no shell
        [find_ruff_bin(), "check", "--isolated", "--no-cache", "--exit-zero", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        raise RuffError(done.stderr.strip() or f"ruff exited with {done.returncode}")
    return done.stdout


def _fix(rules: list[str], unsafe: bool) -> list[str]:
    return ["--select", ",".join(rules), "--fix-only", *(["--unsafe-fixes"] if unsafe else [])]


def _fixable(found: list[Violation], unsafe: bool) -> list[Violation]:
    """The violations the fixing run will fix: all with a fix, or only the safe ones."""
    return found if unsafe else [v for v in found if v.fix == "safe"]


def violations(rules: list[str], paths: list[str], *, cwd, stdin: str | None = None) -> list[Violation]:
    args = ["--select", ",".join(rules), "--output-format", "json"]
    args += ["--stdin-filename", paths[0], "-"] if stdin is not None else ["--", *paths]
    found = []
    root = Path(cwd).resolve()
    for item in json.loads(_ruff(args, cwd=cwd, stdin=stdin) or "[]"):
        name = Path(item["filename"])
        path = str(name.resolve().relative_to(root)) if name.is_absolute() and stdin is None else paths[0]
        fix = (item.get("fix") or {}).get("applicability", "")
        found.append(Violation(path, item["code"], item["message"], item["location"]["row"], fix if fix else ""))
    return found


def _changes(path: str, before: str, after: str, found: list[Violation]) -> list[Change]:
    changes = [Change(path, hunk) for hunk in hunks(before, after)]
    for v in found:
        for change in changes:
            if v.fix and change.hunk.first_line <= v.line <= change.hunk.last_line:
                change.violations.append(v)
                break
    return changes


def optimise_code(code: str, file_path: str, *, rules: list[str], unsafe: bool) -> tuple[str, list[Change]]:
    """Posted code with every fixable violation fixed, and the changes one by one."""
    found = _fixable(violations(rules, [file_path], cwd=".", stdin=code), unsafe)
    fixed = _ruff([*_fix(rules, unsafe), "--stdin-filename", file_path, "-"], stdin=code)
    return fixed, _changes(file_path, code, fixed, found)


def optimise_tree(tree: Path, paths: list[str], *, rules: list[str], unsafe: bool) -> list[Change]:
    """Fix ``paths`` in a throwaway worktree and return what changed, file by file and hunk by hunk."""
    if not paths:
        return []
    before = {path: (tree / path).read_text(errors="replace") for path in paths}
    found = _fixable(violations(rules, paths, cwd=tree), unsafe)
    _ruff([*_fix(rules, unsafe), "--", *paths], cwd=tree)
    changes = []
    for path in paths:
        after = (tree / path).read_text(errors="replace")
        if after != before[path]:
            changes += _changes(path, before[path], after, [v for v in found if v.path == path])
    return changes
