"""The sandbox runs the repository's tests with a proposal applied, in a worktree, with a time limit;
a result says how many tests ran and whether they touched the change ("no test covers this change"
otherwise); auto-apply applies what the policy allows once tests that touch it pass. (The ways out
of the sandbox are tried in test_sandbox_escapes.py.)"""

import os
import sys
from pathlib import Path

import pytest

from apps.core.models import Job
from apps.proposals import services
from apps.proposals.engine import gitops
from apps.proposals.models import Proposal
from tests.factories import UserFactory
from tests.proposals.conftest import SOURCE

pytestmark = pytest.mark.django_db
CHECK = """import unittest

import app


class AppTest(unittest.TestCase):
    def test_helper(self):
        self.assertEqual(app.helper(), 1)
"""
UNRELATED = """import unittest


class OtherTest(unittest.TestCase):
    def test_nothing_of_app(self):
        self.assertTrue(True)
"""


@pytest.fixture(autouse=True)
def _own_uid(settings):
    settings.PROPOSALS_SANDBOX_UID = 200_000 + os.getpid() % 50_000


@pytest.fixture
def repository(repo):
    (repo / "tests").mkdir()
    (repo / "tests" / "__init__.py").write_text("")
    (repo / "tests" / "test_app.py").write_text(CHECK)
    (repo / "other").mkdir()
    (repo / "other" / "__init__.py").write_text("")
    (repo / "other" / "test_other.py").write_text(UNRELATED)
    gitops.git(repo, "add", "tests", "other")
    gitops.git(repo, "commit", "--quiet", "-m", "tests")
    return services.register_repository(
        name="app", path=str(repo), test_command=f"{sys.executable} -m unittest discover -s tests -t ."
    )


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
    good = proposal(repository, before="def helper():\n    return 1\n", after="def helper():\n    return 2 - 1\n")
    bad = proposal(repository, before="    return 1\n", after="    return 2\n")
    passed = services.run_sandbox(proposal=good)
    assert passed["passed"] is True and passed["verdict"] == "passed", passed
    assert passed["tests"] == 1 and passed["touched"] is True and passed["lines_run"] == {"app.py": [9]}
    failed = services.run_sandbox(proposal=bad)
    assert failed["passed"] is False and failed["exit_code"] == 1
    assert Proposal.objects.get(pk=bad.pk).test_result["exit_code"] == 1
    assert (repo / "app.py").read_text() == SOURCE  # the checked-out tree was never touched
    assert len(gitops.git(repo, "worktree", "list").splitlines()) == 1


def test_a_run_of_no_tests_or_none_touching_the_change_is_not_a_pass(repository, client):
    change = proposal(repository, before="    return 1\n", after="    return 1  # same\n")
    repository.test_command = f"{sys.executable} -m unittest discover -s empty -t ."
    repository.save()
    (Path(repository.path) / "empty").mkdir()  # not committed: the worktree has no such folder
    nothing = services.run_sandbox(proposal=change)
    assert nothing["tests"] == 0 or nothing["passed"] is False
    repository.test_command = f"{sys.executable} -m unittest discover -s other -t ."
    repository.save()
    other = services.run_sandbox(proposal=change)
    assert other["passed"] is True and other["tests"] == 1 and other["touched"] is False
    assert other["verdict"] == "not_covered"
    assert services.verdict_text(other).startswith("no test covers this change")
    zero = proposal(repository, before="import os\n", after="import os  # zero\n")
    repository.test_command = f"{sys.executable} -m unittest discover -s tests -t . -p 'nothing_*.py'"
    repository.save()
    none_ran = services.run_sandbox(proposal=zero)
    assert none_ran["tests"] == 0 and none_ran["verdict"] == "not_covered", none_ran
    # a test that imports the changed file but never runs the changed line does not cover it
    uncovered = proposal(repository, before="    return os.system(cmd)\n", after="    return os.system(cmd) or 0\n")
    repository.test_command = f"{sys.executable} -m unittest discover -s tests -t ."
    repository.save()
    imported_only = services.run_sandbox(proposal=uncovered)
    assert imported_only["tests"] == 1 and imported_only["touched"] is False and imported_only["lines_run"] == {}
    assert imported_only["verdict"] == "not_covered"
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)
    page = client.get(f"/proposals/{change.pk}/").content.decode()
    assert 'data-verdict="not_covered"' in page and "no test covers this change" in page
    assert ">passed<" not in page


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
    passing = proposal(repository, before="def helper():\n    return 1\n", after="def helper():\n    return 2 - 1\n")
    failing = proposal(repository, before="    return 1\n", after="    return 2\n")
    uncovered = proposal(repository, before="    return os.system(cmd)\n", after="    return os.system(cmd) or 0\n")
    too_risky = proposal(repository, before="import os\n", after="import os  # audited\n", risk="high")
    reviewer = UserFactory(role="reviewer")
    outcomes = {o["proposal"]: o for o in services.auto_apply(reviewer=reviewer)}
    assert outcomes[passing.pk]["applied"] is True and outcomes[failing.pk] == {
        "proposal": failing.pk,
        "applied": False,
        "why": "tests failed",
    }
    assert outcomes[uncovered.pk] == {
        "proposal": uncovered.pk,
        "applied": False,
        "why": "no test covers this change",
    }
    assert too_risky.pk not in outcomes
    applied = Proposal.objects.get(pk=passing.pk)
    assert applied.status == "applied" and gitops.head(repo, applied.branch) == applied.commit
    assert Proposal.objects.get(pk=failing.pk).status == "pending"


def test_sandbox_and_auto_apply_through_the_api(repository, proposer, auth_client, django_capture_on_commit_callbacks):
    p = proposal(repository, before="    return 1\n", after="    return 2\n")
    for url in (f"/api/v1/proposals/{p.pk}/test/", "/api/v1/proposals/auto-apply/"):
        refused = auth_client.post(url)  # a plain user: never runs repository code
        assert refused.status_code == 403 and "reviewers and administrators" in refused.json()["error"]["message"]
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = proposer.post(f"/api/v1/proposals/{p.pk}/test/")
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert response.status_code == 202 and job.status == "succeeded" and job.result["passed"] is False
    with django_capture_on_commit_callbacks(execute=True):
        assert proposer.post("/api/v1/proposals/auto-apply/").status_code == 202


def test_the_test_route_refuses_when_the_sandbox_cannot_isolate(repository, proposer, settings):
    settings.PROPOSALS_SANDBOX_BWRAP = "/nonexistent/bwrap-for-test"
    p = proposal(repository, before="    return 1\n", after="    return 2\n")
    refused = proposer.post(f"/api/v1/proposals/{p.pk}/test/")
    assert refused.status_code == 503 and "cannot isolate" in refused.json()["error"]["message"]
    assert not Job.objects.exists()
