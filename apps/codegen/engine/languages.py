"""The languages code generation knows: file extensions, the highlighter's name, and a cheap syntax
check where one exists on this machine (Python's ``ast.parse``; ``node --check`` for JavaScript;
``json`` for JSON; TypeScript's ``tsc`` from npm; ``rustc`` for Rust; ``gofmt -e`` for Go when Go is
installed). Every other language, or one whose checker is missing here, is reported as "not checked".

Only syntax is judged: a TypeScript snippet that names a type it does not define, or a Rust one that
uses a crate, still parses (tsc's TS1xxx codes and rustc's uncoded errors are the syntax errors)."""

from __future__ import annotations

import ast
import json
import re
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


NOT_CHECKED = "not checked"
CHECK_TIMEOUT = 20  # seconds for one external checker
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class SyntaxCheck:
    checked: bool  # False when no checker exists here for the language
    ok: bool | None
    error: str = ""
    tool: str = ""

    @property
    def status(self) -> str:
        """``ok``, ``error`` or ``not checked`` (no checker here, or it timed out)."""
        if not self.checked:
            return NOT_CHECKED
        return "ok" if self.ok else "error"

    def as_dict(self) -> dict:
        return {"checked": self.checked, "ok": self.ok, "status": self.status, "error": self.error, "tool": self.tool}


def _tool(name: str) -> str | None:
    """A checker on the PATH, or installed from npm into the project's ``node_modules``."""
    found = shutil.which(name)
    if found:
        return found
    local = PROJECT_ROOT / "node_modules" / ".bin" / name
    return str(local) if local.exists() else None


def _external(command: list[str], folder: str, tool: str) -> tuple[subprocess.CompletedProcess | None, SyntaxCheck]:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, the snippet is a file in a private temp dir
            command, capture_output=True, text=True, timeout=CHECK_TIMEOUT, cwd=folder
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        reason = "the check timed out" if isinstance(exc, subprocess.TimeoutExpired) else "the checker did not run"
        return None, SyntaxCheck(False, None, reason, tool)
    return done, SyntaxCheck(True, True, tool=tool)


def _check_typescript(tsc: str, code: str) -> SyntaxCheck:
    tool = "tsc"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "snippet.tsx").write_text(code)
        command = [tsc, "--noEmit", "--noResolve", "--skipLibCheck", "--pretty", "false", "--jsx", "preserve"]
        done, result = _external([*command, "snippet.tsx"], folder, tool)
    if done is None:
        return result
    errors = re.findall(r"snippet\.tsx\((\d+),\d+\): error (TS1\d{3}): (.*)", done.stdout)
    if errors:
        line, code_, message = errors[0]
        return SyntaxCheck(True, False, f"line {line}: {message} ({code_})"[:300], tool)
    return result


def _check_rust(rustc: str, code: str) -> SyntaxCheck:
    tool = "rustc"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "snippet.rs").write_text(code)
        command = [rustc, "--edition", "2021", "--crate-type", "lib", "--emit=metadata", "--cap-lints", "allow"]
        command += ["--error-format", "short", "-o", str(Path(folder) / "snippet.rmeta"), "snippet.rs"]
        done, result = _external(command, folder, tool)
    if done is None:
        return result
    # parse errors carry no E0xxx code (unresolved crates and type errors do, and are not judged here)
    errors = re.findall(r"snippet\.rs:(\d+):\d+: error: (.*)", done.stderr)
    if errors:
        line, message = errors[0]
        return SyntaxCheck(True, False, f"line {line}: {message}"[:300], tool)
    return result


def _check_go(gofmt: str, code: str) -> SyntaxCheck:
    tool = "gofmt -e"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "snippet.go").write_text(code)
        done, result = _external([gofmt, "-e", "-l", "snippet.go"], folder, tool)
    if done is None:
        return result
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        return SyntaxCheck(True, False, (lines[0] if lines else "it does not parse")[:300], tool)
    return result


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
    if language == "typescript" and (tsc := _tool("tsc")):
        return _check_typescript(tsc, code)
    if language == "rust" and (rustc := _tool("rustc")):
        return _check_rust(rustc, code)
    if language == "go" and (gofmt := _tool("gofmt")):
        return _check_go(gofmt, code)
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
