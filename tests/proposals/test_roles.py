"""Who may do what with proposals (the README's table): reviewers and administrators propose, run
agents and tests, decide and apply, through the API (API keys included), the pages and the admin;
anyone else reads only the repositories they are a member of; server paths are for administrators.
Also: files that do not parse are refused when stored and when applied, and hooks run only when
enabled, and then only in the sandbox."""

import os
import stat

import pytest
from rest_framework.test import APIClient

from apps.accounts import services as accounts
from apps.proposals import selectors, services
from apps.proposals.engine import gitops
from apps.proposals.models import AgentRun, Proposal, RepositoryMember
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/proposals/"


@pytest.fixture
def repository(repo):
    return services.register_repository(name="app", path=str(repo), test_command="true")


@pytest.fixture
def pending(repository):
    return services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before="    return 1\n",
        code_after="    return 2\n",
        ai_type="guardian",
        description="Return two",
    )


def body(repository, **over):
    return {
        "repository": repository.pk,
        "file_path": "app.py",
        "code_before": "    return 1\n",
        "code_after": "    return 3\n",
        "ai_type": "guardian",
        "description": "Return three",
        **over,
    }


def bearer(user) -> APIClient:
    """A client signing in with an API key of ``user``."""
    _, key = accounts.create_api_key(user=user, name="ci")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_plain_users_may_not_propose_run_agents_or_tests(auth_client, user, repository, pending):
    RepositoryMember.objects.create(repository=repository, user=user, role="maintainer")  # even a member
    attempts = [
        (API, body(repository), "create proposals"),
        (f"{API}agents/guardian/run/", {"repository": repository.pk}, "run agents"),
        ("/api/v1/guardian/scan/", {"repository": repository.pk}, "run agents"),
        ("/api/v1/imperium/run/", {"repository": repository.pk}, "run agents"),
        ("/api/v1/conquest/scaffold/", {"repository": repository.pk, "blueprint": "cli-tool"}, "create proposals"),
        (f"{API}{pending.pk}/test/", {}, "run tests"),
        (f"{API}auto-apply/", {}, "auto-apply proposals"),
        (f"{API}{pending.pk}/accept/", {}, "decide or apply proposals"),
    ]
    for client in (auth_client, bearer(user)):
        for url, data, action in attempts:
            response = client.post(url, data, format="json")
            assert response.status_code == 403, (url, response.content)
            message = response.json()["error"]["message"]
            assert f"Only reviewers and administrators may {action}" in message and "reviewer role" in message
    assert Proposal.objects.count() == 1 and not AgentRun.objects.exists()


def test_reviewers_and_their_api_keys_may(repository):
    reviewer = UserFactory(role="reviewer")
    created = bearer(reviewer).post(API, body(repository), format="json")
    assert created.status_code == 201, created.json()
    admin = APIClient()
    admin.force_authenticate(UserFactory(role="admin"))
    assert (
        admin.post(API, body(repository, code_before="    return os.system(cmd)\n"), format="json").status_code == 201
    )


def test_reading_is_for_reviewers_administrators_and_members(auth_client, user, repository, pending):
    run = AgentRun.objects.create(agent="guardian", repository=repository)
    # not a member: nothing is there
    assert auth_client.get(f"{API}repositories/").json() == []
    assert auth_client.get(API).json()["count"] == 0
    assert auth_client.get(f"{API}{pending.pk}/").status_code == 404
    assert auth_client.get(f"{API}agents/runs/").json()["results"] == []
    assert auth_client.get(f"{API}agents/runs/{run.pk}/").status_code == 404
    for aggregate in ("agents/", "learning/stats/", "analytics/overview/"):
        assert auth_client.get(f"{API}{aggregate}").status_code == 403
    assert list(selectors.readable_repositories(user=user)) == []
    # a member reads that repository, without its server path
    RepositoryMember.objects.create(repository=repository, user=user)
    assert list(selectors.readable_repositories(user=user)) == [repository]
    listed = auth_client.get(f"{API}repositories/").json()
    assert [r["name"] for r in listed] == ["app"] and "path" not in listed[0]
    assert auth_client.get(API).json()["count"] == 1
    assert auth_client.get(f"{API}{pending.pk}/").json()["id"] == pending.pk
    assert [r["id"] for r in auth_client.get(f"{API}agents/runs/").json()["results"]] == [run.pk]
    assert auth_client.get(f"{API}agents/runs/{run.pk}/").status_code == 200
    # reviewers read every repository, still without the path; administrators see the path
    reviewer = APIClient()
    reviewer.force_authenticate(UserFactory(role="reviewer"))
    assert "path" not in reviewer.get(f"{API}repositories/").json()[0]
    admin = APIClient()
    admin.force_authenticate(UserFactory(role="admin"))
    assert admin.get(f"{API}repositories/").json()[0]["path"] == repository.path


def test_the_demo_reviewer_uses_the_admins_proposal_review_and_nothing_else(client, repository, pending, repo):
    reviewer = UserFactory(role="reviewer", email="demo@example.com", is_staff=False)
    plain = UserFactory(role="user")
    client.force_login(plain)
    assert client.get("/admin/").status_code == 302  # to the admin's sign-in
    client.force_login(reviewer)
    index = client.get("/admin/")
    assert index.status_code == 200 and "/admin/proposals/proposal/" in index.content.decode()
    assert "/admin/accounts/user/" not in index.content.decode()
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/core/job/").status_code == 403
    listing = client.get("/admin/proposals/proposal/").content.decode()
    assert f"/admin/proposals/proposal/{pending.pk}/change/" in listing
    repositories = client.get("/admin/proposals/repository/").content.decode()
    assert "app" in repositories and repository.path not in repositories  # the path: administrators only
    assert client.get("/admin/proposals/repository/add/").status_code == 403
    client.post(f"/admin/proposals/proposal/{pending.pk}/decide/accept/", {"reason": "Good"})
    client.post(f"/admin/proposals/proposal/{pending.pk}/decide/apply/")
    pending.refresh_from_db()
    assert pending.status == "applied" and gitops.head(repo, pending.branch) == pending.commit
    # a plain user with staff access still cannot decide there
    other = services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before="import os\n",
        code_after="import os  # audited\n",
        ai_type="guardian",
        description="Note",
    )
    client.force_login(UserFactory(role="user", is_staff=True))
    assert client.post(f"/admin/proposals/proposal/{other.pk}/decide/accept/").status_code == 403
    assert Proposal.objects.get(pk=other.pk).status == "pending"


def test_the_admin_list_reads_one_head_per_repository(client, repository, monkeypatch):
    for n in range(6):
        services.create_proposal(
            repository=repository,
            file_path="app.py",
            code_before="    return 1\n",
            code_after=f"    return {n + 2}\n",
            ai_type="guardian",
            description=f"Return {n + 2}",
        )
    calls = []
    original = gitops.head

    def counted(repo, branch):
        calls.append(branch)
        return original(repo, branch)

    monkeypatch.setattr(gitops, "head", counted)
    client.force_login(UserFactory(role="reviewer"))
    listing = client.get("/admin/proposals/proposal/")
    assert listing.status_code == 200 and listing.content.decode().count('alt="False"') >= 6
    assert len(calls) == 1


def test_a_file_that_would_not_parse_is_refused_when_stored_and_when_applied(repository, repo):
    reviewer = APIClient()
    reviewer_user = UserFactory(role="reviewer")
    reviewer.force_authenticate(reviewer_user)
    broken = reviewer.post(API, body(repository, code_after="    return (3\n"), format="json")
    assert broken.status_code == 400
    message = broken.json()["error"]["fields"]["code_after"][0]
    assert "app.py, line" in message and "would not parse" in message
    bad_json = reviewer.post(
        API, body(repository, file_path="data.json", code_before="", code_after="{nope"), format="json"
    )
    assert bad_json.status_code == 400 and "data.json" in bad_json.json()["error"]["fields"]["code_after"][0]
    assert not Proposal.objects.exists()
    stored = services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before="    return 1\n",
        code_after="    return 2\n",
        ai_type="guardian",
        description="Return two",
    )
    Proposal.objects.filter(pk=stored.pk).update(code_after="    return (2\n")  # stored before the rule
    assert reviewer.post(f"{API}{stored.pk}/accept/", {}, format="json").status_code == 200
    refused = reviewer.post(f"{API}{stored.pk}/apply/", format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "does_not_parse"
    assert "app.py, line" in refused.json()["error"]["message"]
    stored.refresh_from_db()
    assert stored.status == "apply_failed" and not gitops.branch_exists(repo, services.proposals.branch_name(stored))


def _hook(repo, name: str, script: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text(script)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_hooks_run_only_when_enabled_and_only_in_the_sandbox(repository, repo, tmp_path, settings):
    settings.PROPOSALS_SANDBOX_UID = 200_000 + os.getpid() % 50_000
    marker = tmp_path / "hook-ran-on-the-host"
    for name in ("pre-commit", "post-checkout", "post-commit"):
        _hook(repo, name, f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    reviewer = UserFactory(role="reviewer")

    def applied(n: int) -> Proposal:
        proposal = services.create_proposal(
            repository=repository,
            file_path="app.py",
            code_before="    return 1\n",
            code_after=f"    return {n}\n",
            ai_type="guardian",
            description=f"Return {n}",
        )
        services.decide(proposal=proposal, reviewer=reviewer, accept=True)
        return services.apply(proposal=proposal, reviewer=reviewer)

    skipped = applied(2)
    assert skipped.status == "applied" and not marker.exists()  # no hook ran: not even post-checkout
    assert "without running the repository's git hooks" in skipped.hooks
    repository.run_hooks = True
    repository.save()
    ran = applied(3)  # the pre-commit hook ran in the sandbox: the host's tmp_path is not there
    assert ran.status == "applied" and "pre-commit" in ran.hooks and "in the sandbox" in ran.hooks
    assert not marker.exists()
    _hook(repo, "pre-commit", "#!/bin/sh\necho refusing: $(id -u)\nexit 1\n")
    with pytest.raises(Exception) as refused:
        applied(4)
    assert "pre-commit hook refused the commit" in str(refused.value)
    assert f"refusing: {settings.PROPOSALS_SANDBOX_UID}" in str(refused.value)
    assert Proposal.objects.get(description="Return 4").status == "apply_failed"
