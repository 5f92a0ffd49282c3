"""Syntax checks per language: TypeScript (tsc from npm), Rust (rustc), Go (gofmt, when installed),
and "not checked" for languages without a checker here; through the API against the fake Claude."""

import shutil

import pytest

from apps.codegen.engine import languages
from tests.fakes.anthropic_server import message

pytestmark = pytest.mark.django_db
API = "/api/v1/codegen/"

needs_tsc = pytest.mark.skipif(languages._tool("tsc") is None, reason="tsc is installed by `npm ci`")
needs_rustc = pytest.mark.skipif(languages._tool("rustc") is None, reason="rustc is not on this machine")


def generate(auth_client, claude, language: str, code: str) -> dict:
    claude.queue(200, message(f"```{language}\n{code}\n```"))
    response = auth_client.post(f"{API}generate/code/", {"prompt": "x", "language": language}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["syntax"]


@needs_tsc
def test_typescript_parses_with_tsc_and_unknown_types_are_not_syntax_errors(auth_client, claude):
    good = "import { Foo } from './foo';\nexport function add(a: number, b: number): Foo {\n  return a + b as Foo;\n}"
    assert generate(auth_client, claude, "typescript", good) == {
        "checked": True,
        "ok": True,
        "status": "ok",
        "error": "",
        "tool": "tsc",
    }
    bad = generate(auth_client, claude, "typescript", "export function add(a: number, b: number: number {\n")
    assert bad["status"] == "error" and bad["ok"] is False and bad["tool"] == "tsc"
    assert bad["error"].startswith("line 1: ") and "TS1005" in bad["error"]
    tsx = "export const Hello = (p: { name: string }) => <p>Hello {p.name}</p>;"
    assert generate(auth_client, claude, "typescript", tsx)["status"] == "ok"


@needs_rustc
def test_rust_parses_with_rustc_and_missing_crates_are_not_syntax_errors(auth_client, claude):
    good = "use serde::Serialize;\n\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\nfn main() {}"
    assert generate(auth_client, claude, "rust", good)["status"] == "ok"
    bad = generate(auth_client, claude, "rust", "pub fn add(a: i32, b: i32) -> i32 {\n    a +\n")
    assert bad == {
        "checked": True,
        "ok": False,
        "status": "error",
        "error": bad["error"],
        "tool": "rustc",
    }
    assert bad["error"].startswith("line ") and "delimiter" in bad["error"]


def test_go_is_checked_only_where_gofmt_exists(auth_client, claude):
    bad = generate(auth_client, claude, "go", "package main\n\nfunc main() {\n")
    if shutil.which("gofmt"):
        assert bad["status"] == "error" and bad["tool"] == "gofmt -e"
    else:
        assert bad == {"checked": False, "ok": None, "status": "not checked", "error": "", "tool": ""}


@pytest.mark.parametrize("language", ["kotlin", "swift", "csharp"])
def test_languages_without_a_checker_say_not_checked(auth_client, claude, language):
    assert generate(auth_client, claude, language, "this is { not ( code")["status"] == "not checked"


def test_a_missing_checker_is_not_checked(monkeypatch):
    monkeypatch.setattr(languages, "_tool", lambda name: None)
    check = languages.check_syntax("typescript", "let x: = ;")
    assert check.as_dict()["status"] == "not checked" and check.checked is False


@needs_rustc
def test_a_checker_that_times_out_is_not_checked(monkeypatch):
    monkeypatch.setattr(languages, "CHECK_TIMEOUT", 0.001)
    check = languages.check_syntax("rust", "pub fn f() {}")
    assert check.as_dict() == {
        "checked": False,
        "ok": None,
        "status": "not checked",
        "error": "the check timed out",
        "tool": "rustc",
    }
