"""The sandbox runs the repository's tests with a proposal applied, in a worktree, with a time limit;
auto-apply applies what the policy allows once its tests pass."""

import sys

import pytest

from apps.core.models import Job
from apps.proposals import services
from apps.proposals.engine import gitops
from apps.proposals.models import Proposal
from tests.factories import UserFactory
from tests.proposals.conftest import SOURCE

pytestmark = pytest.mark.django_db
CHECK = "import sys\nimport app\nsys.exit(0 if app.helper() == 1 else 1)\n"


@pytest.fixture
def repository(repo):
    (repo / "check.py").write_text(CHECK)
    gitops.git(repo, "add", "check.py")
    gitops.git(repo, "commit", "--quiet", "-m", "a check")
    return services.register_repository(name="app", path=str(repo), test_command=f"{sys.executable} check.py")


def proposal(repository, *, before, after, risk="low", agent="guardian"):
    return services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before=before,
        code_after=after,
        ai_type=agent,
        description=f"{before.strip()} → {after.strip()}",
        risk=risk,
    )


def test_passing_and_failing_tests(repository, repo):
    good = proposal(repository, before="    return os.system(cmd)\n", after="    return os.system(cmd) or 0\n")
    bad = proposal(repository, before="    return 1\n", after="    return 2\n")
    assert services.run_sandbox(proposal=good)["passed"] is True
    failed = services.run_sandbox(proposal=bad)
    assert failed["passed"] is False and failed["exit_code"] == 1
    assert Proposal.objects.get(pk=bad.pk).test_result["exit_code"] == 1
    assert (repo / "app.py").read_text() == SOURCE  # the checked-out tree was never touched
    assert len(gitops.git(repo, "worktree", "list").splitlines()) == 1


def test_the_time_limit_stops_a_hanging_test(repository, settings):
    settings.PROPOSALS_SANDBOX_TIMEOUT = 0.5
    repository.test_command = f'{sys.executable} -c "import time; time.sleep(10)"'
    repository.save()
    result = services.run_sandbox(
        proposal=proposal(repository, before="    return 1\n", after="    return 1  # same\n")
    )
    assert result["timed_out"] is True and result["passed"] is False and result["seconds"] < 5


def test_auto_apply_follows_the_policy_and_the_tests(repository, repo, settings):
    settings.PROPOSALS_AUTO_APPLY = {"guardian": ["low"], "imperium": [], "sandbox": [], "conquest": []}
    passing = proposal(repository, before="    return os.system(cmd)\n", after="    return os.system(cmd) or 0\n")
    failing = proposal(repository, before="    return 1\n", after="    return 2\n")
    too_risky = proposal(repository, before="import os\n", after="import os  # audited\n", risk="high")
    reviewer = UserFactory(role="reviewer")
    outcomes = {o["proposal"]: o for o in services.auto_apply(reviewer=reviewer)}
    assert outcomes[passing.pk]["applied"] is True and outcomes[failing.pk] == {
        "proposal": failing.pk,
        "applied": False,
        "why": "tests failed",
    }
    assert too_risky.pk not in outcomes
    applied = Proposal.objects.get(pk=passing.pk)
    assert applied.status == "applied" and gitops.head(repo, applied.branch) == applied.commit
    assert Proposal.objects.get(pk=failing.pk).status == "pending"


def test_sandbox_and_auto_apply_through_the_api(repository, auth_client, django_capture_on_commit_callbacks):
    p = proposal(repository, before="    return 1\n", after="    return 2\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(f"/api/v1/proposals/{p.pk}/test/")
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert response.status_code == 202 and job.status == "succeeded" and job.result["passed"] is False
    assert auth_client.post("/api/v1/proposals/auto-apply/").status_code == 403  # reviewers only
