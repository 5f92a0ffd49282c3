"""Proposals against real temporary git repositories: create, decide, apply, conflicts, metrics."""

import pytest
from rest_framework.test import APIClient

from apps.proposals.engine import gitops
from apps.proposals.models import AgentRecord, Decision, Proposal, Repository, RepositoryMember
from tests.factories import UserFactory
from tests.proposals.conftest import SOURCE

pytestmark = pytest.mark.django_db
API = "/api/v1/proposals/"


@pytest.fixture
def reviewer(db):
    client = APIClient()
    user = UserFactory(role="reviewer", email="rita@example.com", display_name="Rita Reviewer")
    client.force_authenticate(user)
    return client


@pytest.fixture
def repo_id(admin_api, repo):
    response = admin_api.post(
        f"{API}repositories/", {"name": "app", "path": str(repo), "default_branch": "main"}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def propose(client, repo_id, **over):
    body = {
        "repository": repo_id,
        "file_path": "app.py",
        "code_before": "    return os.system(cmd)\n",
        "code_after": "    return subprocess.run(cmd, shell=False, check=True)\n",
        "ai_type": "guardian",
        "description": "Run commands without a shell",
        "risk": "high",
        **over,
    }
    return client.post(API, body, format="json")


def test_register_refuses_a_path_that_is_not_a_repository(admin_api, proposer, tmp_path, repo, settings):
    response = admin_api.post(f"{API}repositories/", {"name": "x", "path": str(tmp_path)}, format="json")
    assert response.status_code == 400 and "not a git repository" in response.json()["error"]["fields"]["path"][0]
    response = admin_api.post(
        f"{API}repositories/", {"name": "y", "path": str(repo), "default_branch": "develop"}, format="json"
    )
    assert "no branch 'develop'" in response.json()["error"]["fields"]["default_branch"][0]
    # Only administrators register repositories (a path on the server is theirs to choose) ...
    refused = proposer.post(f"{API}repositories/", {"name": "z", "path": str(repo)}, format="json")
    assert refused.status_code == 403
    # ... and only under the configured roots, when there are any.
    settings.PROPOSALS_REPOSITORY_ROOTS = [str(tmp_path / "elsewhere")]
    outside = admin_api.post(f"{API}repositories/", {"name": "z", "path": str(repo)}, format="json")
    assert outside.status_code == 400 and "not under" in outside.json()["error"]["fields"]["path"][0]
    settings.PROPOSALS_REPOSITORY_ROOTS = [str(repo.parent)]
    sneaky = admin_api.post(f"{API}repositories/", {"name": "z", "path": f"{repo}/../../"}, format="json")
    assert sneaky.status_code == 400
    assert admin_api.post(f"{API}repositories/", {"name": "z", "path": str(repo)}, format="json").status_code == 201
    assert not Repository.objects.exclude(name="z").exists()


def test_propose_accept_and_apply_on_a_new_branch(proposer, reviewer, repo, repo_id):
    created = propose(proposer, repo_id)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "pending" and body["stale"] is False
    assert "-    return os.system(cmd)" in body["diff"] and "+    return subprocess.run" in body["diff"]
    pid = body["id"]
    assert reviewer.post(f"{API}{pid}/accept/", {"reason": "Right fix"}, format="json").json()["status"] == "accepted"
    applied = reviewer.post(f"{API}{pid}/apply/", format="json").json()
    assert applied["status"] == "applied" and applied["branch"].startswith(f"proposal/{pid}-run-commands")
    log = gitops.git(repo, "log", "-1", "--format=%an|%ce|%s", applied["branch"]).strip()
    assert log == "Guardian agent|rita@example.com|Guardian: Run commands without a shell"
    assert gitops.head(repo, applied["branch"]) == applied["commit"]
    assert (repo / "app.py").read_text() == SOURCE  # the checked-out tree is untouched
    assert b"subprocess.run" in gitops.read(repo, applied["branch"], "app.py")


def test_whitespace_tolerant_match_and_new_files(proposer, repo_id):
    loose = propose(
        proposer,
        repo_id,
        code_before="def run(cmd):\n\treturn os.system(cmd)",
        code_after="def run(cmd):\n    return 0\n",
    )
    assert loose.status_code == 201, loose.json()
    new = propose(proposer, repo_id, file_path="docs/NOTES.md", code_before="", code_after="# Notes\n")
    assert new.status_code == 201 and "+# Notes" in new.json()["diff"]


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"file_path": "../outside.py"}, 400, "file_path"),
        ({"file_path": "/etc/passwd"}, 400, "file_path"),
        ({"file_path": "missing.py"}, 400, "file_path"),
        ({"code_before": "    return eval(cmd)\n"}, 409, None),
        ({"ai_type": "overlord"}, 400, "ai_type"),
        ({"code_after": "    return os.system(cmd)\n"}, 400, "code_after"),
    ],
)
def test_bad_proposals(proposer, repo_id, over, status, field):
    response = propose(proposer, repo_id, **over)
    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["error"]["fields"]
    else:
        assert (
            "Closest, lines" in response.json()["error"]["message"]
            and "os.system(cmd)" in response.json()["error"]["message"]
        )
    assert not Proposal.objects.exists()


def test_binary_files_are_refused(proposer, repo, repo_id):
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    gitops.git(repo, "add", "logo.png")
    gitops.git(repo, "commit", "--quiet", "-m", "logo")
    response = propose(proposer, repo_id, file_path="logo.png", code_before="PNG", code_after="GIF")
    assert response.status_code == 400 and "binary" in response.json()["error"]["fields"]["file_path"][0]


def test_only_reviewers_decide_once_and_rejections_need_a_reason(proposer, reviewer, repo_id, auth_client, user):
    pid = propose(proposer, repo_id).json()["id"]
    RepositoryMember.objects.create(repository_id=repo_id, user=user)  # a member reads, never decides
    refused = auth_client.post(f"{API}{pid}/accept/", {}, format="json")
    assert refused.status_code == 403 and "reviewers and administrators" in refused.json()["error"]["message"]
    missing = reviewer.post(f"{API}{pid}/reject/", {"reason": " "}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    assert (
        reviewer.post(f"{API}{pid}/reject/", {"reason": "Breaks callers"}, format="json").json()["status"] == "rejected"
    )
    again = reviewer.post(f"{API}{pid}/accept/", {}, format="json")
    assert again.status_code == 409 and "rejected already" in again.json()["error"]["message"]
    assert reviewer.post(f"{API}{pid}/apply/", format="json").status_code == 409
    assert Decision.objects.count() == 1


def test_a_snippet_changed_since_is_stale_and_cannot_be_applied(proposer, reviewer, repo, repo_id):
    pid = propose(proposer, repo_id).json()["id"]
    (repo / "app.py").write_text(SOURCE.replace("os.system(cmd)", "os.popen(cmd).read()"))
    gitops.git(repo, "commit", "--quiet", "-am", "changed meanwhile")
    assert proposer.get(f"{API}{pid}/").json()["stale"] is True
    assert proposer.get(API, {"status": "pending"}).json()["results"][0]["stale"] is True
    reviewer.post(f"{API}{pid}/accept/", {}, format="json")
    conflict = reviewer.post(f"{API}{pid}/apply/", format="json")
    assert conflict.status_code == 409 and "os.popen(cmd).read()" in conflict.json()["error"]["message"]
    failed = Proposal.objects.get(pk=pid)
    assert failed.status == "apply_failed" and "not in app.py" in failed.apply_error
    assert not [b for b in gitops.git(repo, "branch", "--list", "proposal/*").splitlines() if b.strip()]


def test_decisions_move_the_agent_records(proposer, reviewer, repo_id):
    ids = [
        propose(proposer, repo_id, description=f"change {n}", risk=r).json()["id"]
        for n, r in enumerate(["high", "low", "low"])
    ]
    reviewer.post(f"{API}{ids[0]}/accept/", {}, format="json")
    reviewer.post(f"{API}{ids[1]}/accept/", {}, format="json")
    reviewer.post(f"{API}{ids[2]}/reject/", {"reason": "Not needed"}, format="json")
    record = AgentRecord.objects.get(agent="guardian")
    # XP: +15 (high) +10 −3 = 22; score: 0.5 → 0.6 → 0.68 → 0.544.
    assert (record.xp, record.level, record.accepted, record.rejected) == (22, 1, 2, 1)
    assert record.learning_score == pytest.approx(0.544)
    agents = {a["agent"]: a for a in proposer.get(f"{API}agents/").json()}
    assert set(agents) == {"imperium", "guardian", "sandbox", "conquest"}
    assert agents["guardian"]["success_rate"] == pytest.approx(2 / 3) and agents["guardian"]["xp"] == 22
    assert agents["imperium"]["success_rate"] is None and agents["imperium"]["level"] == 1
    metrics = proposer.get(f"{API}agents/guardian/metrics/").json()
    assert metrics["proposals"]["by_status"] == {"accepted": 2, "rejected": 1}
    assert [round(p["learning_score"], 3) for p in metrics["learning_curve"]] == [0.6, 0.68, 0.544]
    assert metrics["mean_hours_to_decision"] >= 0
    assert proposer.get(f"{API}agents/nobody/metrics/").status_code == 404
    stats = proposer.get(f"{API}learning/stats/").json()
    assert stats["by_agent"] == [{"agent": "guardian", "decided": 3, "accepted": 2, "acceptance": pytest.approx(2 / 3)}]
    assert {r["risk"]: r["acceptance"] for r in stats["by_risk"]} == {"high": 1.0, "low": 0.5}
    assert stats["by_file_type"][0]["file_type"] == "py"
    assert stats["top_rejection_reasons"] == [{"reason": "Not needed", "count": 1}]
    overview = proposer.get(f"{API}analytics/overview/").json()
    assert overview["total"] == 3 and overview["by_status"] == {"accepted": 2, "rejected": 1}


def test_listing_filters_and_pages(proposer, repo_id):
    for n in range(3):
        propose(proposer, repo_id, description=f"c{n}", ai_type="imperium" if n else "guardian")
    body = proposer.get(API, {"ai_type": "imperium", "limit": 1, "skip": 1}).json()
    assert body["count"] == 2 and [p["description"] for p in body["results"]] == ["c1"]
    assert proposer.get(API, {"limit": "many"}).json()["error"]["fields"].keys() == {"limit"}
    assert proposer.get(API, {"status": "maybe"}).status_code == 400
    assert proposer.get(API, {"q": "c2"}).json()["count"] == 1


def test_the_admin_review_tool(client, repo, repo_id, proposer):
    first = propose(proposer, repo_id, description="first").json()["id"]
    second = propose(proposer, repo_id, description="second").json()["id"]
    user = UserFactory(role="user", is_staff=True, is_superuser=True)
    client.force_login(user)
    page = client.get(f"/admin/proposals/proposal/{first}/change/").content.decode()
    assert 'data-testid="proposal-diff"' in page and "os.system" in page
    # Staff without the reviewer role cannot decide.
    client.post(f"/admin/proposals/proposal/{first}/decide/accept/", {"reason": ""})
    assert Proposal.objects.get(pk=first).status == "pending"
    reviewer = UserFactory(role="reviewer", is_staff=True, is_superuser=True)
    client.force_login(reviewer)
    # Bulk reject asks for a reason first, then records it for each.
    ask = client.post("/admin/proposals/proposal/", {"action": "reject_selected", "_selected_action": [first, second]})
    assert "A rejection needs a reason" in ask.content.decode()
    client.post(
        "/admin/proposals/proposal/",
        {"action": "reject_selected", "_selected_action": [second], "reason": "Duplicate", "reason_given": "1"},
    )
    assert Proposal.objects.get(pk=second).status == "rejected" and Decision.objects.get().reason == "Duplicate"
    client.post(f"/admin/proposals/proposal/{first}/decide/accept/", {"reason": "Good"})
    client.post(f"/admin/proposals/proposal/{first}/decide/apply/")
    applied = Proposal.objects.get(pk=first)
    assert applied.status == "applied" and gitops.head(repo, applied.branch) == applied.commit
    assert applied.commit in client.get(f"/admin/proposals/proposal/{first}/change/").content.decode()
    Proposal.objects.filter(pk=second).update(test_result={"passed": False, "exit_code": 1, "output": "1 failed"})
    listing = client.get("/admin/proposals/proposal/").content.decode()
    assert f'href="/admin/proposals/proposal/{second}/change/#test-output">failed (exit 1)</a>' in listing
    assert "1 failed" in client.get(f"/admin/proposals/proposal/{second}/change/").content.decode()
    for model in ("agentrun", "suggestion", "decision", "agentrecord", "repository"):
        assert client.get(f"/admin/proposals/{model}/").status_code == 200
    # Registering in the admin makes the API's checks.
    form = {
        "name": "elsewhere",
        "path": str(repo / ".git"),
        "default_branch": "main",
        "test_command": "",
        "test_environment": "{}",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
    }
    refused = client.post("/admin/proposals/repository/add/", form)
    assert refused.status_code == 200 and "not a git repository" in refused.content.decode()
    client.post("/admin/proposals/repository/add/", {**form, "path": f"{repo}/sub/.."})
    added = Repository.objects.get(name="elsewhere")
    assert added.path == str(repo) and added.created_by == reviewer


def test_insights_analytics_and_debug_after_a_sequence_of_decisions(proposer, reviewer, repo_id, settings):
    settings.PROPOSALS_AUTO_APPLY = {"guardian": ["high"], "imperium": [], "sandbox": [], "conquest": []}
    outcomes = {"low": [True] * 5, "high": [False, False, False, False, True]}
    for risk, decisions in outcomes.items():
        for n, accept in enumerate(decisions):
            pid = propose(proposer, repo_id, description=f"{risk} {n}", risk=risk).json()["id"]
            verb = "accept" if accept else "reject"
            reviewer.post(f"{API}{pid}/{verb}/", {"reason": "" if accept else "Too broad"}, format="json")
    insights = proposer.get(f"{API}learning/insights/").json()["insights"]
    kinds = {(i["kind"], str(i["evidence"].get("risk"))) for i in insights}
    assert ("policy", "low") in kinds  # 5 of 5 low-risk accepted, yet not auto-applied
    assert ("policy", "high") in kinds  # 1 of 5 high-risk accepted, yet auto-applied
    assert ("weak_spot", "high") in kinds
    reason = next(i for i in insights if i["kind"] == "rejection_reason")
    assert reason["evidence"] == {"reason": "Too broad", "count": 4}
    assert proposer.get(f"{API}learning/insights/", {"minimum": "0"}).status_code == 400
    assert proposer.get(f"{API}learning/insights/", {"minimum": 20}).json()["insights"] == []

    analytics = proposer.get(f"{API}analytics/proposals/", {"days": 7}).json()
    assert analytics["total"] == 10 and analytics["by_status"] == {"accepted": 6, "rejected": 4}
    (today,) = analytics["series"]
    assert (today["created"], today["accepted"], today["rejected"], today["applied"]) == (10, 6, 4, 0)
    assert analytics["by_repository"] == [{"repository": "app", "proposals": 10}]
    assert proposer.get(f"{API}analytics/proposals/", {"days": "forever"}).status_code == 400
    agents = {a["agent"]: a for a in proposer.get(f"{API}analytics/agents/").json()}
    assert agents["guardian"]["proposals"]["total"] == 10 and agents["guardian"]["accepted"] == 6
    assert agents["conquest"]["proposals"]["total"] == 0

    assert proposer.get(f"{API}debug/").status_code == 403
    admin = APIClient()
    admin.force_authenticate(UserFactory(role="admin"))
    debug = admin.get(f"{API}debug/").json()
    assert debug["overview"]["total"] == 10 and len(debug["recent_decisions"]) == 10
    assert debug["recent_decisions"][0]["reviewer"] == "rita@example.com"
    assert debug["policy"]["auto_apply"]["guardian"] == ["high"]
