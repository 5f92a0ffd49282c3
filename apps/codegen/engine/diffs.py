"""Unified diffs between code versions."""

import difflib


def unified(before: str, after: str, *, name: str = "code") -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
    )
