"""A reviewer accepts a proposal in the Django admin, or on the review page, applies it, and sees
the commit."""

import re

import pytest
from playwright.sync_api import expect

from apps.proposals import services
from apps.proposals.engine import gitops
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
from tests.proposals.conftest import repo  # noqa: E402, F401 - the fixture


def test_accept_and_apply_in_the_admin(page, live_server, sign_in, repo):  # noqa: F811
    repository = services.register_repository(name="app", path=str(repo))
    proposal = services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before="    return os.system(cmd)\n",
        code_after="    return subprocess.run(cmd, check=True)\n",
        ai_type="guardian",
        description="Run commands without a shell",
        risk="high",
    )
    sign_in(UserFactory(role="reviewer", is_staff=True, is_superuser=True))
    page.goto(f"{live_server.url}/admin/proposals/proposal/{proposal.pk}/change/")
    diff = page.get_by_test_id("proposal-diff")
    # side by side where both sides fit; in the admin's narrower column, unified with lines wrapped
    expect(diff).to_have_attribute("data-format", re.compile(r"^(side-by-side|line-by-line)$"))
    expect(diff).to_contain_text("subprocess.run")
    page.get_by_label("Reason").fill("The right fix")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("button", name="Apply to the repository")).to_be_visible()
    page.get_by_role("button", name="Apply to the repository").click()
    commit = page.get_by_test_id("commit")
    expect(commit).to_be_visible()
    branch = f"proposal/{proposal.pk}-run-commands-without-a-shell"
    assert commit.inner_text() == gitops.head(repo, branch)
    assert page.console_errors == []


def test_review_page_after_an_agent_run(page, live_server, sign_in, repo):  # noqa: F811
    """A Guardian run from the page, its log, then accepting and applying one of its proposals."""
    (repo / "loader.py").write_text("import yaml\n\n\ndef load(handle):\n    return yaml.load(handle)\n")
    gitops.git(repo, "add", "loader.py")
    gitops.git(repo, "commit", "--quiet", "-m", "a loader")
    services.register_repository(name="app", path=str(repo))
    sign_in(UserFactory(role="reviewer"))
    page.goto(f"{live_server.url}/proposals/")
    expect(page.get_by_test_id("agents").get_by_role("heading", name="Guardian")).to_be_visible()
    form = page.get_by_test_id("run-agent")
    form.get_by_label("Agent").select_option("guardian")
    form.get_by_role("button", name="Run").click()
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_test_id("run-log")).to_contain_text("scanning 2 Python files")
    page.get_by_test_id("run-proposals").get_by_role("link").filter(has_text="#").first.click()
    diff = page.get_by_test_id("proposal-diff")
    expect(diff.locator(".d2h-file-side-diff")).to_have_count(2)
    expect(diff).to_contain_text("yaml.safe_load")
    page.get_by_label("Reason").fill("Safe loader, same result")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    page.get_by_test_id("apply").click()
    commit = page.get_by_test_id("commit")
    expect(commit).to_be_visible()
    branch = gitops.git(repo, "branch", "--list", "proposal/*").strip()
    assert gitops.head(repo, branch).startswith(commit.inner_text())
    assert b"yaml.safe_load(handle)" in gitops.read(repo, branch, "loader.py")
    page.get_by_role("link", name="Proposals").first.click()
    expect(page.get_by_test_id("proposal-list")).to_contain_text("Applied")
    assert page.console_errors == []


def test_the_seeded_demo_proposal_is_accepted_applied_and_compiles(page, live_server, sign_in, tmp_path, settings):
    """The first thing a new reviewer tries: the demo repository's Guardian fix for the request
    without a timeout. Its diff shows the whole change; once applied, the committed file compiles."""
    from apps.accounts import demo as accounts_demo
    from apps.proposals import demo
    from apps.proposals.models import Proposal

    settings.PROPOSALS_DEMO_REPOSITORY = tmp_path / "demo-repository"
    reviewer = UserFactory(role="reviewer", email="demo@example.com")  # the demo user is a reviewer
    demo.seed({"user": reviewer})
    proposal = Proposal.objects.get(file_path="service/client.py", description__startswith="B113")
    assert "timeout=10).json()" in proposal.code_after
    assert reviewer.email == accounts_demo.DEMO_EMAIL
    sign_in(reviewer)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    diff = page.get_by_test_id("proposal-diff")
    expect(diff).to_contain_text("timeout=10")
    expect(diff.locator("ins").filter(has_text="timeout")).to_be_visible()  # the intra-line highlight
    highlight = diff.locator("ins").filter(has_text="timeout").first.bounding_box()
    body = diff.bounding_box()
    assert highlight and body and highlight["x"] + highlight["width"] <= body["x"] + body["width"]  # not cut off
    page.get_by_label("Reason").fill("A timeout on the quote request")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    expect(page.get_by_test_id("hooks-plan")).to_contain_text("skips the repository's git hooks")
    page.get_by_test_id("apply").click()
    commit = page.get_by_test_id("commit")
    expect(commit).to_be_visible()
    expect(page.get_by_test_id("hooks")).to_contain_text("without running the repository's git hooks")
    proposal.refresh_from_db()
    assert proposal.status == "applied" and proposal.commit.startswith(commit.inner_text())
    committed = gitops.read(proposal.repository.path, proposal.commit, "service/client.py").decode()
    compile(committed, "service/client.py", "exec")  # a SyntaxError fails the test
    assert 'requests.get(f"https://quotes.example.com/{symbol}", timeout=10).json()' in committed
    assert page.console_errors == []
