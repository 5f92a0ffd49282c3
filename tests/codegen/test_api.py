"""Code generation through the real Anthropic SDK against a local fake of the Messages API."""

from decimal import Decimal

import pytest

from apps.codegen import services
from apps.codegen.models import CodeTemplate, Generation, TemplateRevision
from tests.fakes.anthropic_server import error, message

pytestmark = pytest.mark.django_db
API = "/api/v1/codegen/"

PY_ANSWER = "Here you go.\n\n```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n\nAdds two numbers."


def test_languages_and_templates_work_without_a_key(auth_client, settings):
    settings.ANTHROPIC_API_KEY = ""
    languages = auth_client.get(f"{API}generate/languages/").json()
    slugs = {lang["slug"] for lang in languages}
    assert {
        "typescript",
        "javascript",
        "python",
        "go",
        "rust",
        "java",
        "cpp",
        "csharp",
        "ruby",
        "php",
        "kotlin",
        "swift",
        "sql",
    } <= slugs
    assert next(lang for lang in languages if lang["slug"] == "rust")["extensions"] == [".rs"]
    library = auth_client.get(f"{API}generate/templates/").json()
    assert {"react-component", "fastapi-endpoint", "django-model-admin", "sql-schema", "python-cli"} <= {
        t["slug"] for t in library
    }
    rendered = auth_client.post(
        f"{API}generate/templates/django-model-admin/render/",
        {"params": {"model": "book", "fields": "title, author"}},
        format="json",
    ).json()
    assert "class Book(models.Model):" in rendered["code"] and "title = models.CharField" in rendered["code"]
    compile(rendered["code"], "model.py", "exec")  # the rendered Python is valid
    refused = auth_client.post(
        f"{API}generate/code/", {"prompt": "add two numbers", "language": "python"}, format="json"
    )
    assert refused.status_code == 503 and "ANTHROPIC_API_KEY" in refused.json()["error"]["message"]
    assert auth_client.get(f"{API}usage/").json()["configured"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "model"),
        ({"model": "9lives"}, "model"),
        ({"model": "Book", "colour": "red"}, "colour"),
        ({"model": "Book", "fields": 5}, "fields"),
    ],
)
def test_invalid_template_parameters(auth_client, params, field):
    response = auth_client.post(
        f"{API}generate/templates/django-model-admin/render/", {"params": params}, format="json"
    )
    assert response.status_code == 400
    assert any(message.startswith(f"{field}:") for message in response.json()["error"]["fields"]["params"])


def test_generate_code_records_usage_cost_and_syntax(auth_client, claude, user):
    claude.queue(
        200, message(PY_ANSWER, input_tokens=1200, output_tokens=300, cache_write_tokens=900, cache_read_tokens=0)
    )
    response = auth_client.post(
        f"{API}generate/code/",
        {"prompt": "add two numbers", "language": "python", "context_files": [{"path": "util.py", "content": "X = 1"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "def add(a: int, b: int) -> int:\n    return a + b"
    assert body["explanation"] == "Adds two numbers."
    assert body["syntax"] == {"checked": True, "ok": True, "status": "ok", "error": "", "tool": "ast.parse"}
    assert body["usage"] == {
        "input_tokens": 1200,
        "output_tokens": 300,
        "cache_write_tokens": 900,
        "cache_read_tokens": 0,
        "total_tokens": 2400,
    }
    # 1,200 × $3 + 300 × $15 + 900 × $3.75 per million tokens.
    assert Decimal(body["cost"]) == Decimal("0.011475")
    sent = claude.requests[0]
    assert sent["headers"]["authorization"] == "Bearer sk-ant-test"
    assert sent["json"]["system"][0]["cache_control"] == {"type": "ephemeral"}  # the shared prompt is cached
    assert "Context file `util.py`" in sent["json"]["messages"][0]["content"]
    history = auth_client.get(f"{API}history/", {"q": "two numbers"}).json()
    assert [g["id"] for g in history["results"]] == [body["id"]]
    usage = auth_client.get(f"{API}usage/").json()
    assert usage["tokens_today"] == 2400
    assert usage["today"] == usage["all_time"] == {"tokens": 2400, "cost": "0.011475", "requests": 1}


def test_unparseable_python_is_reported(auth_client, claude):
    claude.queue(200, message("```python\ndef broken(:\n    pass\n```"))
    body = auth_client.post(f"{API}generate/code/", {"prompt": "x", "language": "python"}, format="json").json()
    assert body["syntax"]["ok"] is False and body["syntax"]["error"].startswith("line 1")


def test_generation_from_a_template_sends_it_to_claude(auth_client, claude):
    claude.queue(200, message("```sql\nCREATE TABLE t (id int);\n```"))
    body = auth_client.post(
        f"{API}generate/code/",
        {"prompt": "add an email column", "language": "sql", "template": "sql-schema", "params": {"table": "users"}},
        format="json",
    ).json()
    assert body["template"] == "sql-schema" and body["template_version"] == 1
    assert "CREATE TABLE users" in claude.requests[0]["json"]["messages"][0]["content"]


def test_improve_gives_code_explanation_and_diff(auth_client, claude):
    improved = "```python\ndef total(xs):\n    return sum(xs)\n```\n\n## What changed\n- Used `sum`."
    claude.queue(200, message(improved))
    original = "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n"
    body = auth_client.post(
        f"{API}generate/improve/", {"code": original, "language": "python", "goal": "performance"}, format="json"
    ).json()
    assert body["code"] == "def total(xs):\n    return sum(xs)"
    assert body["explanation"].startswith("## What changed")
    assert body["diff"].startswith("--- a/code.py\n+++ b/code.py") and "-    for x in xs:" in body["diff"]
    assert "faster" in claude.requests[0]["json"]["messages"][0]["content"]


def test_explain_returns_markdown(auth_client, claude):
    claude.queue(200, message("## Summary\nIt adds.\n\n## How it works\n`add` returns `a + b`."))
    body = auth_client.post(
        f"{API}generate/explain/", {"code": "def add(a, b): return a + b", "language": "python"}, format="json"
    ).json()
    assert body["kind"] == "explain" and body["explanation"].startswith("## Summary")


def test_rate_limits_and_overload_are_retried_by_the_sdk(auth_client, claude):
    claude.queue(429, error("rate_limit_error", "slow down"))
    claude.queue(529, error("overloaded_error", "overloaded"))
    claude.queue(200, message(PY_ANSWER))
    response = auth_client.post(f"{API}generate/code/", {"prompt": "add", "language": "python"}, format="json")
    assert response.status_code == 201 and len(claude.requests) == 3


def test_persistent_failure_is_503_and_nothing_is_recorded(auth_client, claude):
    for _ in range(3):
        claude.queue(529, error("overloaded_error", "overloaded"))
    response = auth_client.post(f"{API}generate/code/", {"prompt": "add", "language": "python"}, format="json")
    assert response.status_code == 503 and "529" in response.json()["error"]["message"]
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("generate/code/", {"prompt": "   ", "language": "python"}, "prompt"),
        ("generate/code/", {"prompt": "x", "language": "cobol"}, "language"),
        ("generate/code/", {"prompt": "x" * 20_001, "language": "python"}, "prompt"),
        ("generate/code/", {"prompt": "x", "language": "python", "template": "nope"}, "template"),
        (
            "generate/code/",
            {"prompt": "x", "language": "python", "context_files": [{"path": "a", "content": "y" * 100_001}]},
            "context_files",
        ),
        ("generate/improve/", {"code": "x = 1", "language": "python", "goal": "magic"}, "goal"),
        ("generate/improve/", {"code": "", "language": "python", "goal": "tests"}, "code"),
        ("generate/explain/", {"code": "x", "language": "brainfuck"}, "language"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_claude_is_not_called(auth_client, claude, path, body, field):
    response = auth_client.post(f"{API}{path}", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert "limit is" in str(response.json()) if "x" * 20_001 in str(body) or "y" * 100_001 in str(body) else True
    assert claude.requests == [] and not Generation.objects.exists()


def test_daily_quota_is_a_clear_429(auth_client, claude, settings, user):
    settings.CODEGEN_DAILY_TOKENS = {"free": 100, "premium": 1000}
    claude.queue(200, message(PY_ANSWER, input_tokens=80, output_tokens=30))
    assert (
        auth_client.post(f"{API}generate/code/", {"prompt": "a", "language": "python"}, format="json").status_code
        == 201
    )
    response = auth_client.post(f"{API}generate/code/", {"prompt": "b", "language": "python"}, format="json")
    assert response.status_code == 429 and "110 of your 100" in response.json()["error"]["message"]
    assert len(claude.requests) == 1


def test_history_is_per_user(auth_client, claude, other_user):
    from rest_framework.test import APIClient

    claude.queue(200, message(PY_ANSWER))
    generated = auth_client.post(f"{API}generate/code/", {"prompt": "a", "language": "python"}, format="json").json()
    intruder = APIClient()
    intruder.force_authenticate(other_user)
    assert intruder.get(f"{API}history/{generated['id']}/").status_code == 404
    assert intruder.get(f"{API}history/").json()["results"] == []


def test_template_changes_are_versioned():
    template = CodeTemplate.objects.get(slug="sql-schema")
    template.body = template.body.replace("BIGSERIAL", "BIGINT GENERATED ALWAYS AS IDENTITY")
    services.save_template_revision(template=template)
    template.refresh_from_db()
    assert template.version == 2
    (revision,) = TemplateRevision.objects.filter(template=template)
    assert revision.version == 1 and "BIGSERIAL" in revision.body
    template.body = "{% for %}"
    with pytest.raises(Exception, match="does not compile"):
        services.save_template_revision(template=template)


def test_per_request_model_and_effort_within_limits(auth_client, claude, settings):
    settings.CODEGEN_MODELS = ["claude-sonnet-5-5", "claude-haiku-5"]
    claude.queue(200, message(PY_ANSWER))
    body = {"prompt": "add", "language": "python", "model": "claude-haiku-5", "effort": "low", "max_tokens": 999_999}
    assert auth_client.post(f"{API}generate/code/", body, format="json").status_code == 201
    sent = claude.requests[0]["json"]
    assert sent["model"] == "claude-haiku-5" and sent["output_config"] == {"effort": "low"}
    assert sent["max_tokens"] == settings.CODEGEN_MAX_TOKENS  # capped at the setting
    for field, value in (("model", "gpt-9"), ("effort", "maximum")):
        response = auth_client.post(f"{API}generate/code/", {**body, field: value}, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert len(claude.requests) == 1
