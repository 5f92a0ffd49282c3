"""The playground in a real browser: code streams from the (fake) Claude into the editor."""

import importlib
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.codegen.models import CodeTemplate
from tests.e2e.conftest import ARTIFACTS
from tests.factories import UserFactory
from tests.fakes.anthropic_server import streamed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EDITOR = "() => document.querySelector('.CodeMirror').CodeMirror.getValue()"


def editor_until(page, text: str, timeout: float = 15.0) -> str:
    """Poll the editor's content from here (a page-side polling predicate would need eval, which
    the Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(EDITOR)
        if text in value:
            return value
        page.wait_for_timeout(50)
    raise AssertionError(f"{text!r} never reached the editor")


@pytest.fixture
def library(db):
    """The template library (a data migration; transactional tests start from an empty table)."""
    for item in importlib.import_module("apps.codegen.migrations.0002_template_library").LIBRARY:
        CodeTemplate.objects.update_or_create(slug=item["slug"], defaults=item)


def test_generated_code_streams_into_the_editor(page, live_server, sign_in, claude):
    lines = [f"def step_{n}():\n    return {n}\n\n" for n in range(25)]
    claude.queue(200, streamed(["```python\n", *lines, "```\n\nTwenty-five steps."], delay=0.08))
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/codegen/")
    page.get_by_label("Prompt").fill("Twenty-five numbered step functions")
    page.get_by_label("Language").select_option("python")
    page.get_by_role("button", name="Generate").click()

    expect(page.get_by_test_id("codegen-status")).to_have_text("Generating…")
    partial = editor_until(page, "def step_3")
    assert "def step_24" not in partial  # it arrived piece by piece, not at the end
    editor_until(page, "def step_24")
    expect(page.get_by_test_id("syntax")).to_have_text("parses (ast.parse)")
    expect(page.get_by_test_id("explanation")).to_contain_text("Twenty-five steps.")
    expect(page.get_by_test_id("codegen-status")).to_contain_text("claude-test-1")
    assert not page.evaluate(EDITOR).startswith("```")
    expect(page.get_by_test_id("codegen-history")).to_contain_text("code · python")
    assert page.console_errors == []


def test_templates_render_offline_in_the_playground(page, live_server, sign_in, settings, library):
    settings.ANTHROPIC_API_KEY = ""
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/codegen/")
    expect(page.get_by_test_id("no-key")).to_be_visible()
    page.get_by_label("Template", exact=True).select_option("sql-schema")
    # The chosen template's parameters are listed, and the JSON starts from their defaults.
    help = page.get_by_test_id("template-help")
    expect(help).to_contain_text("table")
    expect(help).to_contain_text("required")
    assert '"table"' in page.get_by_label("Template parameters (JSON)").input_value()
    # Everything missing or wrong is reported at once, and the status line does not say "Ready."
    page.get_by_label("Template parameters (JSON)").fill('{"table": "9bad", "nope": 1}')
    page.get_by_role("button", name="Render template").click()
    expect(page.get_by_test_id("codegen-error")).to_contain_text("table: Must be an identifier")
    expect(page.get_by_test_id("codegen-error")).to_contain_text("nope: Not a parameter")
    expect(page.get_by_test_id("codegen-status")).to_contain_text("Failed")
    page.get_by_label("Template parameters (JSON)").fill('{"table": "orders", "columns": "customer, total"}')
    page.get_by_role("button", name="Render template").click()
    assert "customer TEXT NOT NULL" in editor_until(page, "CREATE TABLE orders")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "sql-schema.sql"
    assert "CREATE TABLE orders" in Path(download.value.path()).read_text()
    if os.environ.get("E2E_SCREENSHOTS", "1"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "codegen-template.png"), full_page=True)
    page.get_by_label("Template parameters (JSON)").fill('{"table": "9bad"}')
    page.get_by_role("button", name="Render template").click()
    expect(page.get_by_test_id("codegen-error")).to_contain_text("table: Must be an identifier")
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_a_project_shows_its_files_and_zip(page, live_server, sign_in, claude):
    from tests.codegen.test_projects import tool_answer

    claude.queue(
        200, tool_answer([{"path": "app/main.py", "content": "print('hi')\n"}, {"path": "../x", "content": "x"}])
    )
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/codegen/")
    page.get_by_label("Prompt").fill("A tiny CLI")
    page.get_by_role("button", name="Project").click()
    project = page.get_by_test_id("project")
    expect(project).to_contain_text("app/main.py", timeout=15_000)
    expect(project).to_contain_text("Refused: ../x")
    assert editor_until(page, "print('hi')")
    assert page.get_by_role("link", name="Download zip").get_attribute("href").endswith("/zip/")
    assert page.console_errors == []
