"""Guardian: security findings for Python code, from Bandit plus rules of its own, and mechanical
fixes for the findings that have one.

Its own rules (where Bandit is silent or too coarse):
- G101 ``DEBUG = True`` at the top level of a settings module (CWE-489: active debug code);
- G102 a top-level ``SECRET_KEY = "…"`` literal (CWE-798: hard-coded credentials).
Mechanical fixes (each a ``code_before``/``code_after`` pair on one line):
- B506 ``yaml.load(x)`` → ``yaml.safe_load(x)`` (when no Loader is given);
- B602 ``shell=True`` dropped when the command is a list (the shell was doing nothing useful);
- B113 ``timeout=10`` added to a one-line ``requests`` call.
"""

from __future__ import annotations

import ast
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

SEVERITY = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high"}


@dataclass
class Finding:
    path: str
    rule: str
    name: str
    severity: str
    confidence: str
    cwe: int | None
    line: int
    message: str
    code_before: str = ""
    code_after: str = ""

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "confidence": self.confidence,
            "cwe": self.cwe,
            "line": self.line,
            "message": self.message,
            "fix": {"code_before": self.code_before, "code_after": self.code_after} if self.code_after else None,
        }


def bandit(root: Path, paths: list[str]) -> list[Finding]:
    """Bandit's findings on ``paths`` (relative to ``root``), with its default profile."""
    from bandit.core import config, manager

    run = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
    run.discover_files([str(root / path) for path in paths])
    run.run_tests()
    return [
        Finding(
            path=str(Path(i.fname).relative_to(root)),
            rule=i.test_id,
            name=i.test,
            severity=SEVERITY.get(str(i.severity), "low"),
            confidence=SEVERITY.get(str(i.confidence), "low"),
            cwe=i.cwe.id if getattr(i, "cwe", None) else None,
            line=i.lineno,
            message=i.text,
        )
        for i in run.get_issue_list()
    ]


def own_rules(code: str, file_path: str) -> list[Finding]:
    """G101 and G102 on module-level assignments (where settings live)."""
    found = []
    if "DEBUG" not in code and "SECRET_KEY" not in code:  # most files: nothing to parse for
        return found
    settings_module = file_path.rsplit("/", 1)[-1].startswith("settings") or "/settings/" in file_path
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        name, value = node.targets[0].id, node.value
        if settings_module and name == "DEBUG" and isinstance(value, ast.Constant) and value.value is True:
            found.append(
                Finding(
                    file_path,
                    "G101",
                    "debug_enabled",
                    "medium",
                    "high",
                    489,
                    node.lineno,
                    "DEBUG = True in a settings module.",
                )
            )
        if name == "SECRET_KEY" and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
            found.append(
                Finding(
                    file_path,
                    "G102",
                    "hardcoded_secret_key",
                    "high",
                    "high",
                    798,
                    node.lineno,
                    "SECRET_KEY is a literal in the code.",
                )
            )
    return found


_SHELL = re.compile(
    r"(\b(?:subprocess\.)?(?:run|call|check_call|check_output|Popen)\(\s*\[.*?\].*?)(\s*,\s*shell\s*=\s*True)"
)
_REQUESTS = re.compile(r"(\brequests\.(?:get|post|put|patch|delete|head|options|request)\((.*)\))\s*$")


def fix_for(finding: Finding, line: str) -> tuple[str, str] | None:
    """A one-line replacement for the finding, when a mechanical one exists."""
    fixed = None
    if finding.rule == "B506" and "Loader" not in line:
        fixed = line.replace("yaml.load(", "yaml.safe_load(", 1)
    elif finding.rule == "B602":
        fixed = _SHELL.sub(r"\1", line)
    elif finding.rule == "B113" and "timeout" not in line and (m := _REQUESTS.search(line)):
        call = m.group(1)
        fixed = line.replace(call, call[:-1] + (", timeout=10)" if m.group(2).strip() else "timeout=10)"))
    if fixed is None or fixed == line:
        return None
    return line, fixed


def _with_fixes(findings: list[Finding], texts: dict[str, str]) -> list[Finding]:
    for finding in findings:
        lines = texts[finding.path].split("\n")
        if 1 <= finding.line <= len(lines) and (pair := fix_for(finding, lines[finding.line - 1])):
            finding.code_before, finding.code_after = pair[0] + "\n", pair[1] + "\n"
    return sorted(findings, key=lambda f: (f.path, f.line, f.rule))


def scan(code: str, file_path: str = "snippet.py") -> list[Finding]:
    """Every finding on posted code, ordered by line, with its mechanical fix where there is one."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        target = root / file_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
        findings = bandit(root, [file_path])
    return _with_fixes(findings + own_rules(code, file_path), {file_path: code})


def scan_tree(root: Path, paths: list[str]) -> list[Finding]:
    """Every finding in the Python files ``paths`` under ``root`` (a worktree)."""
    texts = {path: (root / path).read_text(errors="replace") for path in paths}
    findings = bandit(root, paths) if paths else []
    for path, text in texts.items():
        findings += own_rules(text, path)
    return _with_fixes(findings, texts)
