"""Guardian on code with known issues: findings by rule and line, fixes, suggestions into proposals."""

import pytest

from apps.proposals.engine import gitops, guardian
from apps.proposals.models import Proposal, Suggestion

pytestmark = pytest.mark.django_db

KNOWN = """import subprocess
import requests
import yaml


def fetch(url):
    return requests.get(url)


def load(path):
    with open(path) as handle:
        return yaml.load(handle)


def listing():
    return subprocess.run(["ls", "-l"], shell=True, check=True)
"""


def by_rule(findings):
    return {(f.rule, f.line) for f in findings}


def test_findings_by_rule_and_line_with_mechanical_fixes():
    findings = guardian.scan(KNOWN, "app/io.py")
    assert {("B404", 1), ("B113", 7), ("B506", 12), ("B602", 16)} <= by_rule(findings)
    fixes = {f.rule: f.code_after.strip() for f in findings if f.code_after}
    assert fixes == {
        "B113": "return requests.get(url, timeout=10)",
        "B506": "return yaml.safe_load(handle)",
        "B602": 'return subprocess.run(["ls", "-l"], check=True)',
    }
    b602 = next(f for f in findings if f.rule == "B602")
    assert (b602.severity, b602.cwe) == ("high", 78)


def test_own_rules_where_bandit_is_silent():
    findings = guardian.scan('DEBUG = True\nSECRET_KEY = "dev-only"\n', "config/settings.py")
    assert {("G101", 1), ("G102", 2)} <= by_rule(findings)
    assert ("G101", 1) not in by_rule(guardian.scan("DEBUG = True\n", "app/views.py"))  # only in settings


def test_analyse_then_approve_a_fix_into_a_proposal(proposer, admin_api, repo):
    (repo / "app").mkdir()
    (repo / "app" / "io.py").write_text(KNOWN)
    gitops.git(repo, "add", "app/io.py")
    gitops.git(repo, "commit", "--quiet", "-m", "io")
    repository = admin_api.post(
        "/api/v1/proposals/repositories/", {"name": "r", "path": str(repo)}, format="json"
    ).json()
    findings = proposer.post(
        "/api/v1/guardian/analyze/", {"file_path": "app/io.py", "code": KNOWN}, format="json"
    ).json()["findings"]
    yaml_fix = next(f for f in findings if f["rule"] == "B506")
    assert yaml_fix["line"] == 12 and yaml_fix["fix"]["code_after"].strip() == "return yaml.safe_load(handle)"
    approved = proposer.post(
        f"/api/v1/guardian/suggestions/{yaml_fix['id']}/approve/", {"repository": repository["id"]}, format="json"
    )
    assert approved.status_code == 201, approved.json()
    proposal = Proposal.objects.get()
    assert (
        proposal.ai_type == "guardian"
        and proposal.file_path == "app/io.py"
        and "+        return yaml.safe_load(handle)" in proposal.diff
    )
    again = proposer.post(
        f"/api/v1/guardian/suggestions/{yaml_fix['id']}/approve/", {"repository": repository["id"]}, format="json"
    )
    assert again.status_code == 409
    no_fix = next(f for f in findings if f["rule"] == "B404")
    refused = proposer.post(
        f"/api/v1/guardian/suggestions/{no_fix['id']}/approve/", {"repository": repository["id"]}, format="json"
    )
    assert refused.status_code == 400 and "no mechanical fix" in str(refused.json())


@pytest.mark.parametrize("url", ["/api/v1/guardian/analyze/", "/api/v1/imperium/optimize/"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"file_path": "../x.py", "code": "x = 1"}, "file_path"),
        ({"file_path": "x.js", "code": "x"}, "file_path"),
        ({"file_path": "x.py"}, "code"),
        ({"file_path": "x.py", "code": "x = 1\n" * 100_001}, "code"),
    ],
)
def test_bad_posted_code(proposer, url, body, field):
    response = proposer.post(url, body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Suggestion.objects.exists()


MULTI = """import requests


def fetch_quote(symbol):
    return requests.get(f"https://quotes.example.com/{symbol}").json()


def send(url, payload):
    response = requests.post(
        url,
        json=payload,
        headers={"X-Trace": "1"},
    )
    return response


def ping(url):
    return requests.head(
        url
    ).ok


def passthrough(url, **options):
    return requests.get(url, **options)
"""


def test_b113_puts_the_timeout_in_the_call_itself():
    fixes = {f.line: (f.code_before, f.code_after) for f in guardian.scan(MULTI, "svc/client.py") if f.rule == "B113"}
    assert fixes[5] == (
        '    return requests.get(f"https://quotes.example.com/{symbol}").json()\n',
        '    return requests.get(f"https://quotes.example.com/{symbol}", timeout=10).json()\n',
    )
    assert fixes[9] == (
        '    response = requests.post(\n        url,\n        json=payload,\n        headers={"X-Trace": "1"},\n'
        "    )\n",
        '    response = requests.post(\n        url,\n        json=payload,\n        headers={"X-Trace": "1"},\n'
        "        timeout=10,\n    )\n",
    )
    assert fixes[18] == (
        "    return requests.head(\n        url\n    ).ok\n",
        "    return requests.head(\n        url,\n        timeout=10\n    ).ok\n",
    )
    assert fixes[24] == ("", "")  # **options may carry a timeout already: no mechanical fix
    fixed = MULTI
    for before, after in fixes.values():
        if before:
            fixed = fixed.replace(before, after)
    compile(fixed, "svc/client.py", "exec")  # every fix, applied, still parses
    assert fixed.count("timeout=10") == 3
    left = [f for f in guardian.scan(fixed, "svc/client.py") if f.rule == "B113"]
    assert len(left) == 1 and "passthrough" in fixed.split("\n")[left[0].line - 2]  # only the **options call
