"""Which file paths a generated project may contain: relative, '/'-separated, inside the project
(no '..', no absolute or drive paths, no hidden VCS folders), of reasonable length and characters."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

SAFE_PART = re.compile(r"^[A-Za-z0-9_.@+-][A-Za-z0-9_.@+ -]*$")
MAX_DEPTH = 8
MAX_PATH = 200


def problem(path: object) -> str | None:
    """Why ``path`` is refused, or None when it is safe."""
    if not isinstance(path, str) or not path.strip():
        return "empty path"
    if len(path) > MAX_PATH:
        return f"longer than {MAX_PATH} characters"
    if "\\" in path or re.match(r"^[A-Za-z]:", path):
        return "Windows-style path"
    if path.startswith("/") or path.startswith("~"):
        return "absolute path"
    parts = PurePosixPath(path).parts
    if any(part == ".." for part in parts):
        return "goes outside the project ('..')"
    if any(part in (".git", ".hg", ".svn") for part in parts):
        return "inside a version-control folder"
    if len(parts) > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} folders"
    if not all(SAFE_PART.match(part) and part not in (".",) for part in parts):
        return "unusual characters in a file or folder name"
    return None
