"""Guardian: security findings for Python code, from Bandit plus rules of its own, and mechanical
fixes for the findings that have one.

Its own rules (where Bandit is silent or too coarse):
- G101 ``DEBUG = True`` in a settings module (CWE-489: active debug code);
- G102 a Django ``SECRET_KEY = "…"`` literal (CWE-798: hard-coded credentials).
Mechanical fixes (each a ``code_before``/``code_after`` pair on one line):
- B506 ``yaml.load(x)`` → ``yaml.safe_load(x)`` (when no Loader is given);
- B602 ``shell=True`` dropped when the command is a list (the shell was doing nothing useful);
- B113 ``timeout=10`` added to a one-line ``requests`` call.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from dataclasses import dataclass

SEVERITY = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high"}


@dataclass
class Finding:
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
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "confidence": self.confidence,
            "cwe": self.cwe,
            "line": self.line,
            "message": self.message,
            "fix": {"code_before": self.code_before, "code_after": self.code_after} if self.code_after else None,
        }


def bandit(code: str) -> list[Finding]:
    from bandit.core import config, manager

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "snippet.py")
        with open(path, "w") as handle:
            handle.write(code)
        run = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
        run.discover_files([path])
        run.run_tests()
        issues = run.get_issue_list()
    return [
        Finding(
            rule=i.test_id,
            name=i.test,
            severity=SEVERITY.get(str(i.severity), "low"),
            confidence=SEVERITY.get(str(i.confidence), "low"),
            cwe=i.cwe.id if getattr(i, "cwe", None) else None,
            line=i.lineno,
            message=i.text,
        )
        for i in issues
    ]


def own_rules(code: str, file_path: str) -> list[Finding]:
    found = []
    settings_module = file_path.rsplit("/", 1)[-1].startswith("settings") or "/settings/" in file_path
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        name, value = node.targets[0].id, node.value
        if settings_module and name == "DEBUG" and isinstance(value, ast.Constant) and value.value is True:
            found.append(
                Finding(
                    "G101", "debug_enabled", "medium", "high", 489, node.lineno, "DEBUG = True in a settings module."
                )
            )
        if name == "SECRET_KEY" and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
            found.append(
                Finding(
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


def scan(code: str, file_path: str = "snippet.py") -> list[Finding]:
    """Every finding, ordered by line, with its mechanical fix where there is one."""
    findings = bandit(code) + own_rules(code, file_path)
    lines = code.split("\n")
    for finding in findings:
        if 1 <= finding.line <= len(lines) and (pair := fix_for(finding, lines[finding.line - 1])):
            finding.code_before, finding.code_after = pair[0] + "\n", pair[1] + "\n"
    return sorted(findings, key=lambda f: (f.line, f.rule))
