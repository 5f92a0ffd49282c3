"""Finding the snippet a proposal replaces: exactly, then tolerant of whitespace only; and, when it
is not there, the lines of the file that come closest (to show the reviewer)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


def _norm(line: str) -> str:
    return _SPACE.sub(" ", line).strip()


@dataclass(frozen=True)
class Match:
    start: int  # character offsets into the file's text
    end: int
    exact: bool


def locate(text: str, snippet: str) -> Match | None:
    """Where ``snippet`` is in ``text``: the first exact occurrence, else the first run of lines equal
    to the snippet's lines once runs of whitespace are collapsed (blank lines kept as lines)."""
    if not snippet:
        return None
    at = text.find(snippet)
    if at != -1:
        return Match(at, at + len(snippet), True)
    wanted = [_norm(line) for line in snippet.strip("\n").split("\n")]
    lines = text.split("\n")
    offsets, position = [], 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    normalised = [_norm(line) for line in lines]
    size = len(wanted)
    for i in range(len(lines) - size + 1):
        if normalised[i : i + size] == wanted:
            end = offsets[i + size - 1] + len(lines[i + size - 1])
            return Match(offsets[i], end, False)
    return None


def replace(text: str, snippet: str, replacement: str) -> tuple[str, Match] | None:
    match = locate(text, snippet)
    if match is None:
        return None
    if not match.exact and snippet.endswith("\n") and not replacement.endswith("\n"):
        replacement += "\n"
    return text[: match.start] + replacement + text[match.end :], match


def closest_lines(text: str, snippet: str, *, context: int = 2) -> dict:
    """The stretch of ``text`` most like ``snippet`` (1-based line numbers) and how alike it is."""
    lines = text.split("\n")
    wanted = snippet.strip("\n").split("\n")
    size = max(1, len(wanted))
    best, best_ratio = 0, 0.0
    for i in range(max(1, len(lines) - size + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(wanted), "\n".join(lines[i : i + size])).ratio()
        if ratio > best_ratio:
            best, best_ratio = i, ratio
    first, last = max(0, best - context), min(len(lines), best + size + context)
    return {
        "from_line": first + 1,
        "to_line": last,
        "lines": lines[first:last],
        "similarity": round(best_ratio, 3),
    }


@dataclass(frozen=True)
class Hunk:
    code_before: str
    code_after: str
    first_line: int  # 1-based lines of ``code_before`` in the old text
    last_line: int


def hunks(before: str, after: str, *, context: int = 1, merge_within: int = 2) -> list[Hunk]:
    """The changes from ``before`` to ``after`` as self-contained snippet pairs a proposal can carry:
    nearby changes are merged, and each ``code_before`` is widened by context lines until it occurs
    exactly once in ``before`` (so applying it cannot land in the wrong place)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    groups: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if groups and i1 - groups[-1][1] <= merge_within:
            groups[-1][1], groups[-1][3] = i2, j2
        else:
            groups.append([i1, i2, j1, j2])
    found = []
    for i1, i2, j1, j2 in groups:
        pad = context
        while True:
            lo, hi = max(0, i1 - pad), min(len(old), i2 + pad)
            snippet = "".join(old[lo:hi])
            if (snippet.strip() and before.count(snippet) == 1) or (lo == 0 and hi == len(old)):
                break
            pad += 1
        found.append(Hunk(snippet, "".join(new[j1 - (i1 - lo) : j2 + (hi - i2)]), lo + 1, hi))
    return found


def changed_lines(before: str, after: str) -> list[int]:
    """The 1-based line numbers of ``after`` that the change added or rewrote (what a test should run)."""
    old, new = before.splitlines(), after.splitlines()
    found = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            found.extend(range(j1 + 1, j2 + 1))
    return found
