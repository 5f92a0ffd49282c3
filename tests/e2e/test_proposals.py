"""A reviewer accepts a proposal in the Django admin, applies it, and sees the commit."""

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
    expect(diff.locator(".d2h-file-side-diff")).to_have_count(2)  # drawn side by side
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
