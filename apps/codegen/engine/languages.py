"""The languages code generation knows: file extensions, the highlighter's name, and a cheap syntax
check where one exists on this machine (Python's ``ast.parse``; ``node --check`` for JavaScript;
``json`` for JSON)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Language:
    slug: str
    name: str
    extensions: tuple[str, ...]
    highlight: str  # the CodeMirror/highlight.js name
    comment: str


LANGUAGES = {
    lang.slug: lang
    for lang in (
        Language("python", "Python", (".py",), "python", "#"),
        Language("typescript", "TypeScript", (".ts", ".tsx"), "typescript", "//"),
        Language("javascript", "JavaScript", (".js", ".mjs", ".jsx"), "javascript", "//"),
        Language("go", "Go", (".go",), "go", "//"),
        Language("rust", "Rust", (".rs",), "rust", "//"),
        Language("java", "Java", (".java",), "java", "//"),
        Language("cpp", "C++", (".cpp", ".hpp", ".cc", ".h"), "cpp", "//"),
        Language("csharp", "C#", (".cs",), "csharp", "//"),
        Language("ruby", "Ruby", (".rb",), "ruby", "#"),
        Language("php", "PHP", (".php",), "php", "//"),
        Language("kotlin", "Kotlin", (".kt", ".kts"), "kotlin", "//"),
        Language("swift", "Swift", (".swift",), "swift", "//"),
        Language("sql", "SQL", (".sql",), "sql", "--"),
        Language("html", "HTML", (".html",), "html", "<!--"),
        Language("json", "JSON", (".json",), "json", ""),
    )
}


@dataclass(frozen=True)
class SyntaxCheck:
    checked: bool  # False when no checker exists here for the language
    ok: bool | None
    error: str = ""
    tool: str = ""

    def as_dict(self) -> dict:
        return {"checked": self.checked, "ok": self.ok, "error": self.error, "tool": self.tool}


def check_syntax(language: str, code: str) -> SyntaxCheck:
    if language == "python":
        try:
            ast.parse(code)
        except SyntaxError as exc:
            return SyntaxCheck(True, False, f"line {exc.lineno}: {exc.msg}", "ast.parse")
        return SyntaxCheck(True, True, tool="ast.parse")
    if language == "json":
        try:
            json.loads(code)
        except ValueError as exc:
            return SyntaxCheck(True, False, str(exc), "json")
        return SyntaxCheck(True, True, tool="json")
    if language == "javascript" and (node := shutil.which("node")):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "snippet.mjs"
            path.write_text(code)
            try:
                done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=10)  # noqa: S603
            except subprocess.TimeoutExpired:
                return SyntaxCheck(False, None, "the check timed out", "node --check")
        if done.returncode:
            lines = [line for line in done.stderr.splitlines() if "SyntaxError" in line]
            return SyntaxCheck(True, False, (lines[0] if lines else done.stderr.strip())[:300], "node --check")
        return SyntaxCheck(True, True, tool="node --check")
    return SyntaxCheck(False, None)


FENCE = "```"


def extract_code(text: str) -> str:
    """The first fenced code block of a model's answer, else the answer itself."""
    start = text.find(FENCE)
    if start == -1:
        return text.strip()
    body_start = text.find("\n", start)
    end = text.find(FENCE, body_start + 1)
    return text[body_start + 1 : end if end != -1 else None].strip("\n")
