"""The agents over real temporary git repositories: Guardian scans, Imperium's ruff fixes (and
Claude through codegen), Sandbox runs, Conquest scaffolds; their runs as jobs with a log, the
beat's entry, and the agents' endpoints."""

import sys

import pytest

from apps.core.models import Job
from apps.proposals import services
from apps.proposals.engine import gitops, snippets
from apps.proposals.models import AgentRun, Proposal, Suggestion
from tests.factories import UserFactory
from tests.fakes.anthropic_server import message

pytestmark = pytest.mark.django_db
API = "/api/v1/"

RISKY = """import subprocess

import requests
import yaml


def load(path):
    with open(path) as handle:
        return yaml.load(handle)


def fetch(url):
    return requests.get(url)


def run(args):
    return subprocess.run(["ls", args], shell=True)
"""
SETTINGS = 'DEBUG = True\nSECRET_KEY = "abc123-not-secret"\n'
SLOW = """import os
import sys


def evens(items):
    found = list([x for x in items if x % 2 == 0])
    return found


def total(values):
    return sum(values)


def names():
    return dict()
"""


def commit(repo, files: dict[str, str], message_="add files"):
    for path, content in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    gitops.git(repo, "add", "--", *files)
    gitops.git(repo, "commit", "--quiet", "-m", message_)


@pytest.fixture
def repository(repo):
    commit(repo, {"svc/risky.py": RISKY, "config/settings.py": SETTINGS, "lib/slow.py": SLOW})
    return services.register_repository(name="svc", path=str(repo), test_command=f"{sys.executable} -m compileall -q .")


def start(client, agent, repository, hooks, **params):
    with hooks(execute=True):
        response = client.post(
            f"{API}proposals/agents/{agent}/run/", {"repository": repository.pk, **params}, format="json"
        )
    assert response.status_code == 202, response.json()
    return response.json()


def test_guardian_scans_the_repository_and_proposes_the_mechanical_fixes(
    proposer, repository, repo, django_capture_on_commit_callbacks
):
    body = start(proposer, "guardian", repository, django_capture_on_commit_callbacks)
    job = Job.objects.get(pk=body["job"]["id"])
    assert job.status == "succeeded" and job.progress == 100
    run = proposer.get(body["run_url"]).json()
    found = {(s["file_path"], s["rule"], s["line"]) for s in run["suggestions"]}
    assert {
        ("svc/risky.py", "B506", 9),  # yaml.load
        ("svc/risky.py", "B113", 13),  # requests without a timeout
        ("svc/risky.py", "B602", 17),  # shell=True
        ("config/settings.py", "G101", 1),
        ("config/settings.py", "G102", 2),
    } <= found
    assert run["status"] == "succeeded" and run["files_scanned"] == 4 and run["findings"] == len(found)
    assert "scanning 4 Python files" in run["log"] and "done:" in run["log"]
    proposals = Proposal.objects.filter(run_id=run["id"]).order_by("pk")
    assert {p.code_after.strip() for p in proposals} == {
        "return yaml.safe_load(handle)",
        "return requests.get(url, timeout=10)",
        'return subprocess.run(["ls", args])',
    }
    assert all(p.ai_type == "guardian" and p.file_path == "svc/risky.py" for p in proposals)
    assert Suggestion.objects.filter(run_id=run["id"], proposal__isnull=False).count() == 3
    # A second scan proposes nothing new, and a rejected fix stays rejected.
    reviewer = UserFactory(role="reviewer")
    services.decide(proposal=proposals[0], reviewer=reviewer, accept=False, reason="We vendor our own loader")
    again = start(proposer, "guardian", repository, django_capture_on_commit_callbacks)
    second = AgentRun.objects.get(pk=again["run"])
    assert second.proposals_created == 0 and "proposed before as" in second.log
    assert (repo / "svc/risky.py").read_text() == RISKY
    # An applied fix whose file (on the branch scanned) still has the finding is proposed again …
    timeout = next(p for p in proposals if "timeout" in p.code_after)
    services.decide(proposal=timeout, reviewer=reviewer, accept=True)
    services.apply(proposal=timeout, reviewer=reviewer)
    third = AgentRun.objects.get(pk=start(proposer, "guardian", repository, django_capture_on_commit_callbacks)["run"])
    assert third.proposals_created == 1 and f"although #{timeout.pk} was applied" in third.log
    # … and the same fix to a file that changed since is a new change (its fingerprint has the result)
    commit(repo, {"svc/risky.py": RISKY.replace("import subprocess\n", "import subprocess  # changed\n", 1)})
    assert "import subprocess  # changed" in (repo / "svc/risky.py").read_text()
    fourth = AgentRun.objects.get(pk=start(proposer, "guardian", repository, django_capture_on_commit_callbacks)["run"])
    assert fourth.proposals_created == 3


def test_a_file_that_is_not_utf8_does_not_stop_a_run(proposer, repository, repo, django_capture_on_commit_callbacks):
    legacy = "# -*- coding: latin-1 -*-\n# caf\xe9\nimport yaml\n\n\ndef load(h):\n    return yaml.load(h)\n"
    (repo / "legacy.py").write_bytes(legacy.encode("latin-1"))
    gitops.git(repo, "add", "legacy.py")
    gitops.git(repo, "commit", "--quiet", "-m", "latin-1")
    for agent in ("guardian", "imperium"):
        run = AgentRun.objects.get(pk=start(proposer, agent, repository, django_capture_on_commit_callbacks)["run"])
        assert run.status == "succeeded" and run.files_scanned == 5, run.error
    # Its fix cannot be proposed (proposals change UTF-8 text), and the run says so.
    guardian_run = AgentRun.objects.get(agent="guardian")
    assert "could not propose for legacy.py" in guardian_run.log and "not UTF-8" in guardian_run.log
    assert not Proposal.objects.filter(file_path="legacy.py").exists()


def test_guardian_scan_route_and_bad_input(proposer, repository, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = proposer.post(
            f"{API}guardian/scan/", {"repository": repository.pk, "paths": ["config"]}, format="json"
        ).json()
    run = AgentRun.objects.get(pk=body["run"])
    assert run.files_scanned == 1 and {s.rule for s in run.suggestions.all()} == {"B105", "G101", "G102"}
    bad = proposer.post(f"{API}guardian/scan/", {"repository": repository.pk, "paths": ["../etc"]}, format="json")
    assert bad.status_code == 400 and "paths" in bad.json()["error"]["fields"]
    missing = proposer.post(f"{API}guardian/scan/", {"repository": 9999}, format="json")
    assert missing.status_code == 400 and "repository" in missing.json()["error"]["fields"]
    assert proposer.post(f"{API}proposals/agents/nobody/run/", {}, format="json").status_code == 404
    assert AgentRun.objects.count() == 1


def test_imperium_proposes_ruffs_fixes_that_apply_cleanly(
    proposer, repository, repo, django_capture_on_commit_callbacks, settings
):
    settings.PROPOSALS_IMPERIUM_RULES = ["F401", "C4"]
    body = start(proposer, "imperium", repository, django_capture_on_commit_callbacks, paths=["lib"])
    run = AgentRun.objects.get(pk=body["run"])
    assert run.status == "succeeded" and run.files_scanned == 1
    made = Proposal.objects.filter(run=run).order_by("pk")
    assert [(p.description.splitlines()[0], p.risk) for p in made] == [
        ("Imperium: F401 in lib/slow.py", "low"),  # ruff calls removing an unused import safe
        ("Imperium: C411 in lib/slow.py", "medium"),  # and these unsafe: a person looks first
        ("Imperium: C408 in lib/slow.py", "medium"),
    ]
    imports, comprehension, literal = made
    assert "import os\nimport sys\n" in imports.code_before and "import" not in imports.code_after
    assert "found = [x for x in items if x % 2 == 0]" in comprehension.code_after
    assert literal.code_after.strip().endswith("return {}")
    # Each proposal applies on its own, and the result is what ruff would have written.
    reviewer = UserFactory(role="reviewer")
    for p in made:
        services.decide(proposal=p, reviewer=reviewer, accept=True)
        applied = services.apply(proposal=p, reviewer=reviewer)
        text = gitops.read(repo, applied.branch, "lib/slow.py").decode()
        assert text.replace(p.code_after, p.code_before, 1) == SLOW
    assert gitops.read(repo, "main", "lib/slow.py").decode() == SLOW


def test_imperium_optimise_posted_code(proposer, settings):
    settings.PROPOSALS_IMPERIUM_RULES = ["F401", "C4"]
    settings.PROPOSALS_IMPERIUM_UNSAFE_FIXES = False
    body = proposer.post(f"{API}imperium/optimize/", {"file_path": "slow.py", "code": SLOW}, format="json").json()
    assert body["changed"] and "import os" not in body["code"] and "list([x for x" in body["code"]  # unsafe left
    assert [f["rule"] for c in body["changes"] for f in c["fixes"]] == ["F401", "F401"]
    assert body["diff"].startswith("--- a/slow.py")
    bad = proposer.post(f"{API}imperium/optimize/", {"file_path": "x.js", "code": "1"}, format="json")
    assert bad.status_code == 400 and "file_path" in bad.json()["error"]["fields"]


def test_imperium_deep_asks_claude_through_codegen(
    proposer, user, repository, claude, django_capture_on_commit_callbacks, settings
):
    settings.PROPOSALS_IMPERIUM_RULES = ["F401"]
    user.role = "reviewer"  # a deep run counts against the quota of whoever starts it
    user.save()
    proposer.force_authenticate(user)
    faster = SLOW.replace(
        "    found = list([x for x in items if x % 2 == 0])\n    return found\n",
        "    return [x for x in items if x % 2 == 0]\n",
    )
    claude.queue(200, message(f"```python\n{faster}```\n\nReturned the comprehension directly."))
    body = start(
        proposer,
        "imperium",
        repository,
        django_capture_on_commit_callbacks,
        paths=["lib"],
        deep=True,
        deep_files=["lib/slow.py"],
    )
    run = AgentRun.objects.get(pk=body["run"])
    deep = Proposal.objects.get(run=run, description__contains="Claude")
    assert deep.risk == "medium" and "return [x for x in items if x % 2 == 0]" in deep.code_after
    assert "found = list(" in deep.code_before and "Returned the comprehension" in deep.description
    assert "optimise lib/slow.py" in run.log and user.generations.filter(kind="improve").count() == 1
    no_files = proposer.post(f"{API}imperium/run/", {"repository": repository.pk, "deep": True}, format="json")
    assert no_files.status_code == 400 and "deep_files" in no_files.json()["error"]["fields"]


def test_conquest_scaffolds_an_app_as_one_multi_file_proposal(proposer, repository, repo, tmp_path):
    blueprints = {b["name"] for b in proposer.get(f"{API}conquest/blueprints/").json()}
    assert {"django-app", "rest-resource", "cli-tool"} <= blueprints
    response = proposer.post(
        f"{API}conquest/scaffold/",
        {
            "repository": repository.pk,
            "blueprint": "django-app",
            "params": {"app": "notes", "model": "note", "fields": ["title", "body"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    proposal = response.json()
    paths = [proposal["file_path"], *(f["path"] for f in proposal["more_files"])]
    assert paths == [
        "apps/notes/apps.py",
        "apps/notes/__init__.py",
        "apps/notes/models.py",
        "apps/notes/tests/__init__.py",
        "apps/notes/tests/test_note.py",
    ]
    assert proposal["ai_type"] == "conquest"
    assert [line for line in proposal["diff"].splitlines() if line.startswith("diff --git")] == [
        f"diff --git a/{p} b/{p}" for p in paths
    ]
    assert proposal["diff"].count("new file mode 100644") == 5 and proposal["diff"].count("--- /dev/null") == 4
    (tmp_path / "scaffold.diff").write_text(proposal["diff"])
    gitops.git(repo, "apply", "--check", str(tmp_path / "scaffold.diff"))  # git takes it as a patch
    for f in [{"path": proposal["file_path"], "content": proposal["code_after"]}, *proposal["more_files"]]:
        compile(f["content"], f["path"], "exec")  # every scaffolded module is valid Python
    reviewer = UserFactory(role="reviewer")
    p = Proposal.objects.get(pk=proposal["id"])
    services.decide(proposal=p, reviewer=reviewer, accept=True)
    applied = services.apply(proposal=p, reviewer=reviewer)
    models = gitops.read(repo, applied.branch, "apps/notes/models.py").decode()
    assert "class Note(models.Model):" in models and "title = models.CharField" in models
    assert 'name = "apps.notes"' in gitops.read(repo, applied.branch, "apps/notes/apps.py").decode()
    assert (
        "from apps.notes.models import Note"
        in gitops.read(repo, applied.branch, "apps/notes/tests/test_note.py").decode()
    )
    assert gitops.files(repo, "main", suffix=".py") == ["app.py", "config/settings.py", "lib/slow.py", "svc/risky.py"]
    # The same scaffold again: its files exist on the branch that was applied, not on main, so it is
    # still a valid proposal; on a file main has, it is a conflict.
    clash = proposer.post(
        f"{API}conquest/scaffold/",
        {
            "repository": repository.pk,
            "files": [
                {"path": "tools/new.py", "template": "python-cli", "params": {"prog": "new"}},
                {"path": "lib/slow.py", "template": "python-cli", "params": {"prog": "x"}},
            ],
        },
        format="json",
    )
    assert clash.status_code == 409 and "lib/slow.py exists" in clash.json()["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"blueprint": "rocket"}, "blueprint"),
        ({"blueprint": "django-app", "params": {"app": "notes"}}, "params.model"),
        ({"blueprint": "django-app", "params": {"app": "x", "model": "y", "colour": "red"}}, "params.colour"),
        ({"files": [{"path": "a.py", "template": "nope"}]}, "files[0].template"),
        ({"files": [{"path": "a.py", "template": "python-cli", "params": {}}]}, "files[0].params"),
        ({"files": [{"path": "../a.py", "template": "python-cli", "params": {"prog": "a"}}]}, "files[0].path"),
        (
            {"files": [{"path": "a.py", "content": "1"}, {"path": "a.py", "content": "2"}]},
            "files[1].path",
        ),
        ({"blueprint": "cli-tool", "params": {"prog": "a"}, "files": [{"path": "a.py", "content": "1"}]}, "files"),
        ({}, "files"),
    ],
)
def test_conquest_bad_input_names_the_field(proposer, repository, payload, field):
    response = proposer.post(f"{API}conquest/scaffold/", {"repository": repository.pk, **payload}, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.json()
    assert not Proposal.objects.exists()


def test_conquest_and_sandbox_as_agent_runs(proposer, repository, django_capture_on_commit_callbacks):
    body = start(
        proposer,
        "conquest",
        repository,
        django_capture_on_commit_callbacks,
        blueprint="cli-tool",
        params={"prog": "report", "commands": "build,publish"},
    )
    run = AgentRun.objects.get(pk=body["run"])
    scaffold = Proposal.objects.get(run=run)
    assert scaffold.file_path == "tools/report.py" and "def publish(" in scaffold.code_after
    body = start(proposer, "sandbox", repository, django_capture_on_commit_callbacks)
    tested = AgentRun.objects.get(pk=body["run"])
    scaffold.refresh_from_db()
    assert tested.files_scanned == 1 and scaffold.test_result["passed"] is True
    assert f"#{scaffold.pk}: no test covers this change" in tested.log  # the command runs no test of it
    assert scaffold.test_result["verdict"] == "not_covered"
    status = proposer.get(f"{API}proposals/agents/sandbox/").json()
    assert status["last_run"]["id"] == tested.pk and status["running"] is False
    listed = proposer.get(f"{API}proposals/agents/runs/", {"agent": "conquest"}).json()["results"]
    assert [r["id"] for r in listed] == [run.pk] and listed[0]["proposals_created"] == 1
    metrics = proposer.get(f"{API}proposals/agents/conquest/metrics/").json()
    assert metrics["runs"]["total"] == 1 and metrics["runs"]["by_status"] == {"succeeded": 1}
    assert metrics["runs"]["proposals_created"] == 1 and metrics["runs"]["findings"] == 0
    assert metrics["runs"]["mean_seconds"] >= 0 and metrics["learning_curve"] == []
    side_by_side = {a["agent"]: a for a in proposer.get(f"{API}proposals/analytics/agents/").json()}
    # the one tested proposal is not covered by a test: a finding of the Sandbox run
    assert side_by_side["sandbox"]["runs"]["findings"] == 1 and "learning_curve" not in side_by_side["sandbox"]
    assert proposer.get(f"{API}proposals/agents/runs/", {"limit": "0"}).status_code == 400
    assert proposer.get(f"{API}proposals/agents/runs/", {"agent": "x"}).status_code == 404


def test_a_failed_run_keeps_its_reason(proposer, repository, django_capture_on_commit_callbacks, settings):
    settings.PROPOSALS_AGENT_MAX_FILES = 1
    body = start(proposer, "guardian", repository, django_capture_on_commit_callbacks)
    job, run = Job.objects.get(pk=body["job"]["id"]), AgentRun.objects.get(pk=body["run"])
    assert job.status == "failed" and "limit is 1" in job.error
    assert run.status == "failed" and "limit is 1" in run.error and run.finished_at


def test_the_beat_runs_the_scheduled_agents(repository, user, settings, django_capture_on_commit_callbacks):
    settings.PROPOSALS_AGENT_SCHEDULE = ["guardian", "sandbox"]
    from apps.proposals.tasks import run_scheduled_agents

    ids = run_scheduled_agents.delay().get()  # nobody owns the repository: run in the beat's task
    runs = AgentRun.objects.filter(pk__in=ids)
    assert {(r.agent, r.trigger, r.status, r.job_id) for r in runs} == {
        ("guardian", "schedule", "succeeded", None),
        ("sandbox", "schedule", "succeeded", None),
    }
    assert Proposal.objects.filter(ai_type="guardian").count() == 3
    # Registered by someone: each run is a job of theirs, with its progress.
    repository.created_by = user
    repository.save()
    with django_capture_on_commit_callbacks(execute=True):
        ids = run_scheduled_agents.delay().get()
    jobs = Job.objects.filter(pk__in=AgentRun.objects.filter(pk__in=ids).values("job"))
    assert {(j.kind, j.owner_id, j.status, j.progress) for j in jobs} == {
        ("proposals.agent", user.pk, "succeeded", 100)
    }
    assert jobs.count() == 2


def test_hunks_are_unique_snippets():
    before = "a = 1\nx = 0\nb = 2\nx = 0\nc = 3\n"
    after = "a = 1\nx = 0\nb = 2\nx = 1\nc = 3\n"
    (hunk,) = snippets.hunks(before, after, context=0)
    # "x = 0" alone is ambiguous (twice in the file), so the snippet takes a line either side.
    assert (hunk.code_before, hunk.code_after) == ("b = 2\nx = 0\nc = 3\n", "b = 2\nx = 1\nc = 3\n")
    assert (hunk.first_line, hunk.last_line) == (3, 5)
    assert snippets.replace(before, hunk.code_before, hunk.code_after)[0] == after


def test_runs_whose_worker_died_are_failed_by_the_beat(repository, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.proposals.tasks import fail_stuck_runs

    long_ago = timezone.now() - settings.JOB_STALL_TIMEOUT - timedelta(1)
    stuck = AgentRun.objects.create(agent="guardian", repository=repository, status="running", started_at=long_ago)
    running = AgentRun.objects.create(
        agent="sandbox", repository=repository, status="running", started_at=timezone.now()
    )
    waiting = AgentRun.objects.create(agent="imperium", repository=repository)  # queued: its job has not started
    lost_job = Job.objects.create(owner=UserFactory(), kind="proposals.agent", status="failed")
    lost = AgentRun.objects.create(agent="conquest", repository=repository, job=lost_job)
    assert fail_stuck_runs.delay().get() == 2
    states = {r.pk: (r.status, r.error) for r in AgentRun.objects.all()}
    assert states[stuck.pk][0] == "failed" and "worker went away" in states[stuck.pk][1]
    assert states[lost.pk][0] == "failed" and "job failed" in states[lost.pk][1]
    assert states[running.pk][0] == "running" and states[waiting.pk][0] == "queued"
