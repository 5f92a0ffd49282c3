"""The review pages: list with filters and stale flags, a proposal with its diff and tests, decisions
and apply for reviewers only, and an agent run with its log."""

import re
import sys

import pytest

from apps.proposals import services
from apps.proposals.engine import gitops
from apps.proposals.models import AgentRun, Decision, Proposal, RepositoryMember
from tests.factories import UserFactory
from tests.proposals.conftest import SOURCE

pytestmark = pytest.mark.django_db


@pytest.fixture
def repository(repo):
    return services.register_repository(name="app", path=str(repo), test_command=f"{sys.executable} -c pass")


def propose(repository, before, after, **over):
    return services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before=before,
        code_after=after,
        ai_type=over.pop("ai_type", "guardian"),
        description=over.pop("description", f"{before.strip()} to {after.strip()}"),
        **over,
    )


def test_the_list_filters_and_flags_stale_proposals(client, user, repository, repo):
    RepositoryMember.objects.create(repository=repository, user=user)  # a member reads it
    fresh = propose(repository, "    return 1\n", "    return 2\n", risk="low", description="Return two")
    stale = propose(repository, "    return os.system(cmd)\n", "    return 0\n", ai_type="imperium", risk="high")
    (repo / "app.py").write_text(SOURCE.replace("os.system(cmd)", "os.popen(cmd)"))
    gitops.git(repo, "commit", "--quiet", "-am", "moved on")
    client.force_login(user)
    page = client.get("/proposals/").content.decode()
    assert f'href="/proposals/{fresh.pk}/"' in page and f'href="/proposals/{stale.pk}/"' in page
    assert page.count('data-testid="stale"') == 1 and "Imperium (optimisation)" in page
    only = client.get("/proposals/", {"ai_type": "guardian", "risk": "low"}).content.decode()
    assert f"/proposals/{fresh.pk}/" in only and f"/proposals/{stale.pk}/" not in only
    assert f"/proposals/{stale.pk}/" in client.get("/proposals/", {"q": "os.system"}).content.decode()
    bad = client.get("/proposals/", {"status": "maybe"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    detail = client.get(f"/proposals/{stale.pk}/").content.decode()
    assert "no longer in the file" in detail and 'data-testid="proposal-diff"' in detail


def test_a_reviewer_decides_and_applies_from_the_page(client, user, repository, repo):
    proposal = propose(repository, "    return 1\n", "    return 2\n")
    client.force_login(user)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 404  # not a member: not there at all
    RepositoryMember.objects.create(repository=repository, user=user)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Waiting for a reviewer" in page and 'data-testid="accept"' not in page
    refused = client.post(f"/proposals/{proposal.pk}/accept/", {"reason": "sneaky"})
    assert refused.status_code == 403 and "Only reviewers and administrators may decide" in refused.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "pending"  # not a reviewer: refused
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)
    refused = client.post(f"/proposals/{proposal.pk}/reject/", {"reason": ""}, follow=True).content.decode()
    assert "Say why the proposal is rejected." in refused and not Decision.objects.exists()
    client.post(f"/proposals/{proposal.pk}/accept/", {"reason": "Right fix"})
    applied = client.post(f"/proposals/{proposal.pk}/apply/", follow=True).content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "applied" and gitops.head(repo, proposal.branch) == proposal.commit
    assert f"Committed {proposal.commit[:10]}" in applied and proposal.commit[:12] in applied
    assert "Right fix" in applied  # the history shows the decision and its reason
    assert "without running the repository&#x27;s git hooks" in applied  # and says the hooks were skipped
    twice = client.post(f"/proposals/{proposal.pk}/accept/", follow=True).content.decode()
    assert "applied already" in twice
    assert client.post(f"/proposals/{proposal.pk}/merge/").status_code == 404
    assert client.get(f"/proposals/{proposal.pk}/accept/").status_code == 405


def test_running_tests_and_an_agent_from_the_pages(client, user, repository, django_capture_on_commit_callbacks):
    proposal = propose(repository, "    return 1\n", "    return 2\n")
    RepositoryMember.objects.create(repository=repository, user=user, role="maintainer")
    client.force_login(user)
    for url, data in ((f"/proposals/{proposal.pk}/test/", {}), ("/proposals/agents/run/", {"agent": "guardian"})):
        refused = client.post(url, {**data, "repository": repository.pk})
        assert refused.status_code == 403 and "reviewer role" in refused.content.decode()
    assert not AgentRun.objects.exists() and Proposal.objects.get(pk=proposal.pk).test_result is None
    client.force_login(UserFactory(role="reviewer"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/proposals/{proposal.pk}/test/")
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="test-verdict"' in page and "no test covers this change" in page  # `-c pass` runs none
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/proposals/agents/run/", {"agent": "guardian", "repository": repository.pk})
    run = AgentRun.objects.get()
    assert response["Location"] == f"/proposals/runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "B605" in page and "done:" in page and 'data-status="succeeded"' in page
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.strip().startswith('<div id="run-state"') and "hx-get" not in partial
    bad = client.post("/proposals/agents/run/", {"agent": "guardian", "repository": 999}, follow=True)
    assert "repository" in bad.content.decode() and AgentRun.objects.count() == 1
    listing = client.get("/proposals/").content.decode()
    assert re.search(rf'href="/proposals/runs/{run.pk}/"', listing)
