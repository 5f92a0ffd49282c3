"""Unified diffs: only the part between the shared start and end goes through difflib; every diff
must still be a patch that turns the old text into the new one, with the file's line numbers."""

import random
import re

from apps.codegen.engine.diffs import unified

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def patch(old_text: str, diff: str) -> str:
    """Apply a unified diff strictly: every context and removed line must be where the hunk says."""
    old, out, position = old_text.splitlines(keepends=True), [], 0
    lines = diff.splitlines(keepends=True)[2:]
    i = 0
    while i < len(lines):
        m = HUNK.match(lines[i])
        start = int(m[1]) - 1 if (m[2] is None or int(m[2])) else int(m[1])
        out += old[position:start]
        position, i = start, i + 1
        while i < len(lines) and not lines[i].startswith("@@"):
            kind, body = lines[i][0], lines[i][1:]
            if kind in " -":
                assert old[position] == body
                position += 1
            if kind in " +":
                out.append(body)
            i += 1
    return "".join(out + old[position:])


def test_a_small_change_to_a_long_file_keeps_its_line_numbers():
    before = "".join(f"value_{n} = {n}\n" for n in range(2000))
    after = before.replace("value_1500 = 1500\n", "value_1500 = 0\n")
    diff = unified(before, after, name="big.py")
    assert diff.splitlines()[:3] == ["--- a/big.py", "+++ b/big.py", "@@ -1498,7 +1498,7 @@"]
    assert "-value_1500 = 1500" in diff and "+value_1500 = 0" in diff and patch(before, diff) == after


def test_random_edits_give_valid_patches():
    rng = random.Random(7)
    for _ in range(2000):
        lines = [f"line {rng.randint(0, 8)}\n" for _ in range(rng.randint(0, 60))]
        new = list(lines)
        for _ in range(rng.randint(0, 4)):
            at = rng.randint(0, len(new))
            match rng.choice("ida"):
                case "i":
                    new.insert(at, f"new {rng.randint(0, 5)}\n")
                case "d" if new:
                    new.pop(min(at, len(new) - 1))
                case "a" if new:
                    new[min(at, len(new) - 1)] = f"changed {rng.randint(0, 5)}\n"
        before, after = "".join(lines), "".join(new)
        diff = unified(before, after, name="x")
        assert (diff == "") == (before == after)
        if diff:
            assert patch(before, diff) == after
