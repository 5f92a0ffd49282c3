"""Unified diffs between code versions."""

import difflib
import re

CONTEXT = 3
_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def unified(before: str, after: str, *, name: str = "code") -> str:
    """``diff -u`` of two versions. The lines both share at the start and at the end can only be
    context, so only what lies between them (with its context) goes through difflib, and the hunk
    headers are moved back to the file's line numbers: a small change to a long file stays cheap."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    shortest = min(len(old), len(new))
    same_start = 0
    while same_start < shortest and old[same_start] == new[same_start]:
        same_start += 1
    same_end = 0
    while same_end < shortest - same_start and old[-1 - same_end] == new[-1 - same_end]:
        same_end += 1
    skip, drop = max(0, same_start - CONTEXT), max(0, same_end - CONTEXT)
    lines = difflib.unified_diff(
        old[skip : len(old) - drop], new[skip : len(new) - drop], fromfile=f"a/{name}", tofile=f"b/{name}", n=CONTEXT
    )
    if not skip:
        return "".join(lines)
    return "".join(
        _HUNK.sub(lambda m: f"@@ -{int(m[1]) + skip}{m[2]} +{int(m[3]) + skip}{m[4]} @@", line)
        if line.startswith("@@")
        else line
        for line in lines
    )
