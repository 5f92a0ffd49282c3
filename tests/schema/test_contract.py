"""The OpenAPI schema is a contract: schemathesis drives a live server from it, as a signed-in user
and as a reviewer, and fails on any 5xx, any answer that violates the schema, and any status code
the schema does not declare. Bounded: a few examples per operation, a fixed seed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.schema, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("SCHEMA_MAX_EXAMPLES", "2"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
# Operations that would end the session for every later call (the key's owner deleted or signed out
# everywhere) are exercised by their own tests; downloads answer files, which the checks skip anyway.
EXCLUDE = r"^/api/v1/auth/(me/|logout/|change-password/)$"


def fetch_schema(base_url: str, target: Path) -> Path:
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/api/schema/?format=json", timeout=120) as answer:  # noqa: S310 - the live test server
        target.write_bytes(answer.read())
    return target


def _failures(output: str) -> str:
    """The report's failure section (the first part that names the failing operations)."""
    start = output.find("FAILURES")
    return output[start : start + 6000] + "\n...\n" if start >= 0 else ""


def run_schemathesis(base_url: str, key: str, schema: Path, seed: int) -> subprocess.CompletedProcess:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        str(schema),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--phases",
        "examples,fuzzing",
        "--seed",
        str(seed),
        "--request-timeout",
        "120",
        "--exclude-path-regex",
        EXCLUDE,
        "--exclude-method",
        "DELETE",
        "--continue-on-failure",
        "--no-color",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=1500, check=False, cwd=schema.parent)


@pytest.mark.parametrize("who", ["user", "reviewer"])
def test_every_answer_matches_the_schema(contract_server, claude, who, tmp_path):
    from tests.fakes.anthropic_server import message

    for _ in range(2000):  # Claude answers every generation the run makes (the fake's default is a 500)
        claude.queue(200, message("def answer():\n    return 42\n"))
    base_url, user_key, reviewer_key = contract_server
    schema = fetch_schema(base_url, tmp_path / "schema.json")
    key, seed = (user_key, 17) if who == "user" else (reviewer_key, 18)
    result = run_schemathesis(base_url, key, schema, seed)
    summary = _failures(result.stdout) + result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    assert "passed" in result.stdout.lower(), summary


def test_the_schema_declares_responses_and_tags_for_every_operation(contract_server, tmp_path):
    base_url, _, _ = contract_server
    schema = json.loads(fetch_schema(base_url, tmp_path / "schema.json").read_text())
    operation_ids = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["tags"] and operation["tags"][0] in {
                "core",
                "accounts",
                "market",
                "portfolio",
                "nlp",
                "vision",
                "codegen",
                "proposals",
            }, (method, path, operation["tags"])
            for code in ("401", "403", "429", "503"):
                assert code in operation["responses"], (method, path, code)
            for code, response in operation["responses"].items():
                if code.startswith("2") and code != "204":
                    assert response.get("content"), (method, path, code)
                if code[0] in "45":
                    schema_ref = response["content"]["application/json"]["schema"]
                    assert schema_ref == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    assert len(operation_ids) == len(set(operation_ids))
    props = schema["components"]["schemas"]
    assert props["Proposal"]["properties"]["reviewer"].get("nullable") is True
    assert props["Generation"]["properties"]["template"].get("nullable") is True
