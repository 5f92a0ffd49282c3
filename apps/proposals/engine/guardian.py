"""Guardian: security findings for Python code, from Bandit plus rules of its own, and mechanical
fixes for the findings that have one.

Its own rules (where Bandit is silent or too coarse):
- G101 ``DEBUG = True`` at the top level of a settings module (CWE-489: active debug code);
- G102 a top-level ``SECRET_KEY = "…"`` literal (CWE-798: hard-coded credentials).
Mechanical fixes, made on the syntax tree (LibCST keeps every comment and space) and given as a
``code_before``/``code_after`` pair of the whole lines of the call they change:
- B506 ``yaml.load(x)`` → ``yaml.safe_load(x)`` (when no Loader is given);
- B602 ``shell=True`` dropped when the command is a list (the shell was doing nothing useful);
- B113 ``timeout=10`` added to the ``requests.<verb>(…)`` call itself — a call over several lines,
  or one followed by ``.json()``, included (none when it passes ``**kwargs``: they may hold one).
A fixed file that would not parse is never offered.
"""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst import matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

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


REQUEST_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_REQUESTS_CALL = m.Call(func=m.Attribute(value=m.Name("requests"), attr=m.OneOf(*(m.Name(v) for v in REQUEST_VERBS))))
_YAML_LOAD = m.Call(func=m.Attribute(value=m.Name("yaml"), attr=m.Name("load")))
_SUBPROCESS = m.Call(
    func=m.OneOf(
        m.Attribute(
            value=m.Name("subprocess"),
            attr=m.OneOf(*(m.Name(n) for n in ("run", "call", "check_call", "check_output", "Popen"))),
        ),
        m.OneOf(*(m.Name(n) for n in ("run", "call", "check_call", "check_output", "Popen"))),
    )
)


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _with_argument(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """``call`` with ``arg`` added last, in the call's own layout (one line, or one argument a line
    with or without a trailing comma)."""
    if not call.args:
        return call.with_changes(args=[arg])
    *rest, last = call.args
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument takes over its layout
        separator = rest[-1].comma if rest and isinstance(rest[-1].comma, cst.Comma) else None
        if separator is None:
            separator = cst.Comma(whitespace_after=call.whitespace_before_args)
        return call.with_changes(args=[*rest, last.with_changes(comma=separator), arg.with_changes(comma=last.comma)])
    between = (
        rest[-1].comma
        if rest and isinstance(rest[-1].comma, cst.Comma)
        else cst.Comma(
            whitespace_after=call.whitespace_before_args
            if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
            else cst.SimpleWhitespace(" ")
        )
    )
    moved = last.whitespace_after_arg
    return call.with_changes(
        args=[
            *rest,
            last.with_changes(comma=between, whitespace_after_arg=cst.SimpleWhitespace("")),
            arg.with_changes(whitespace_after_arg=moved),
        ]
    )


def _without_argument(call: cst.Call, name: str) -> cst.Call:
    args = list(call.args)
    at = next(i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == name)
    removed = args.pop(at)
    if at == len(args) and args:  # it was last: the new last one takes its ending
        args[-1] = args[-1].with_changes(comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg)
    return call.with_changes(args=args)


class _Fix(cst.CSTTransformer):
    """Applies one rule's fix to the first matching call that starts on (or spans) ``line``."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, rule: str, line: int):
        super().__init__()
        self.rule, self.line, self.span = rule, line, None

    def _fixed(self, node: cst.Call) -> cst.Call | None:
        if self.rule == "B113" and m.matches(node, _REQUESTS_CALL):
            if _keyword(node, "timeout") or any(a.star for a in node.args):
                return None
            timeout = cst.Arg(
                keyword=cst.Name("timeout"),
                value=cst.Integer("10"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                ),
            )
            return _with_argument(node, timeout)
        if self.rule == "B506" and m.matches(node, _YAML_LOAD):
            if _keyword(node, "Loader") or len(node.args) != 1 or node.args[0].star:
                return None
            return node.with_changes(func=node.func.with_changes(attr=cst.Name("safe_load")))
        if self.rule == "B602" and m.matches(node, _SUBPROCESS):
            shell = _keyword(node, "shell")
            command = node.args[0].value if node.args and node.args[0].keyword is None else None
            if not (shell and m.matches(shell.value, m.Name("True")) and isinstance(command, cst.List)):
                return None
            return _without_argument(node, "shell")
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.span is not None:
            return updated
        where = self.get_metadata(PositionProvider, original)
        if not (where.start.line == self.line or where.start.line <= self.line <= where.end.line):
            return updated
        fixed = self._fixed(updated)
        if fixed is None:
            return updated
        self.span = (where.start.line, where.end.line)
        return fixed


def fix_for(finding: Finding, code: str) -> tuple[str, str] | None:
    """The finding's mechanical fix as (the whole lines of the call, the same lines fixed), or None
    when there is none (or the fixed file would not parse)."""
    if finding.rule not in ("B113", "B506", "B602"):
        return None
    try:
        wrapper = MetadataWrapper(cst.parse_module(code))
    except cst.ParserSyntaxError:
        return None
    fix = _Fix(finding.rule, finding.line)
    fixed = wrapper.visit(fix).code
    if fix.span is None or fixed == code:
        return None
    try:
        ast.parse(fixed)
    except SyntaxError:
        return None
    old, new = code.splitlines(keepends=True), fixed.splitlines(keepends=True)
    first, last = fix.span
    grown = len(new) - len(old)
    before, after = "".join(old[first - 1 : last]), "".join(new[first - 1 : last + grown])
    if not before.endswith("\n"):
        before, after = before + "\n", after + "\n"
    return before, after


def _with_fixes(findings: list[Finding], texts: dict[str, str]) -> list[Finding]:
    for finding in findings:
        if pair := fix_for(finding, texts[finding.path]):
            finding.code_before, finding.code_after = pair
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
