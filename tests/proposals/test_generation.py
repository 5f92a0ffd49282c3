"""Code generation with a repository's files as context (chosen by path, or by BM25 within the token
budget), only for people who may read the repository, and generations turned into proposals through
the proposals' checks and review. Claude is the local fake Anthropic server."""

import pytest
from rest_framework.test import APIClient

from apps.codegen.models import Generation, ProjectFile
from apps.proposals import services
from apps.proposals.engine import gitops
from apps.proposals.models import Proposal, RepositoryMember
from tests.factories import UserFactory
from tests.fakes.anthropic_server import message

pytestmark = pytest.mark.django_db
API = "/api/v1/proposals/"

BILLING = "def invoice_total(lines):\n    return sum(line.price * line.quantity for line in lines)\n"
WEATHER = "def forecast(city):\n    return 'sunny in ' + city\n"
ANSWER = "```python\ndef invoice_total(lines):\n    return round(sum(l.price * l.quantity for l in lines), 2)\n```"


@pytest.fixture
def repository(repo):
    (repo / "billing.py").write_text(BILLING)
    (repo / "weather.py").write_text(WEATHER)
    (repo / "logo.png").write_bytes(b"\x89PNG\0\0binary")
    gitops.git(repo, "add", ".")
    gitops.git(repo, "commit", "--quiet", "-m", "billing and weather")
    gitops.git(repo, "branch", "feature")
    (repo / "weather.py").write_text(WEATHER + "\n\ndef invoice_weather():\n    return 'invoice'\n")
    gitops.git(repo, "commit", "--quiet", "-am", "weather on main only")
    return services.register_repository(name="shop", path=str(repo))


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def member(repository):
    user = UserFactory()
    RepositoryMember.objects.create(repository=repository, user=user)
    return user


def generate(client, repository, **data):
    return client.post(f"{API}repositories/{repository.pk}/generate/", {"language": "python", **data}, format="json")


def test_retrieval_sends_the_best_matching_files_within_the_budget(member, repository, claude, settings):
    settings.PROPOSALS_CONTEXT_TOKEN_BUDGET = 1000
    claude.queue(200, message(ANSWER))
    response = generate(client_of(member), repository, prompt="round the invoice total of the billing lines")
    assert response.status_code == 201, response.json()
    body = response.json()
    context = body["context"]
    assert context["mode"] == "bm25" and context["branch"] == "main" and context["budget"] == 1000
    assert context["commit"] == gitops.head(repository.path, "main")
    sent = [f["path"] for f in context["files"]]
    assert sent[0] == "billing.py" and "logo.png" not in sent
    assert context["tokens"] == sum(f["tokens"] for f in context["files"]) <= 1000
    assert context["files"][0]["tokens"] == (len(BILLING) + 3) // 4
    prompt = claude.requests[0]["json"]["messages"][0]["content"]
    assert "Context file `billing.py`" in prompt and BILLING.strip() in prompt
    assert "forecast" not in prompt or "weather.py" in sent  # only the files it reports were sent
    generation = Generation.objects.get(pk=body["generation"]["id"])
    assert generation.owner == member and generation.context_paths == sent
    assert body["generation"]["syntax"]["status"] == "ok"


def test_a_tight_budget_skips_files_and_says_so(member, repository, claude, settings):
    settings.PROPOSALS_CONTEXT_TOKEN_BUDGET = 20  # billing.py takes about 23 tokens
    claude.queue(200, message(ANSWER))
    context = generate(client_of(member), repository, prompt="invoice total billing lines").json()["context"]
    assert "billing.py" not in [f["path"] for f in context["files"]]
    assert any(s["path"] == "billing.py" and "budget" in s["reason"] for s in context["skipped"])
    assert context["tokens"] <= 20
    assert "billing.py" not in claude.requests[0]["json"]["messages"][0]["content"]


def test_paths_and_branch_choose_the_context(member, repository, claude):
    claude.queue(200, message(ANSWER))
    body = generate(
        client_of(member), repository, prompt="add a forecast for tomorrow", paths=["weather.py"], branch="feature"
    ).json()
    assert body["context"]["mode"] == "paths" and body["context"]["branch"] == "feature"
    assert [f["path"] for f in body["context"]["files"]] == ["weather.py"]
    prompt = claude.requests[0]["json"]["messages"][0]["content"]
    assert WEATHER.strip() in prompt and "invoice_weather" not in prompt  # the file as it is on `feature`


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"paths": ["missing.py"]}, "paths[0]"),
        ({"paths": ["logo.png"]}, "paths[0]"),
        ({"paths": ["../etc/passwd"]}, "paths[0]"),
        ({"branch": "nope"}, "branch"),
        ({"prompt": ""}, "prompt"),
        ({"language": "cobol"}, "language"),
    ],
)
def test_bad_requests_name_the_field(member, repository, claude, data, field):
    response = generate(client_of(member), repository, **{"prompt": "x", **data})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert claude.requests == []


def test_paths_over_the_budget_are_refused(member, repository, claude, settings):
    settings.PROPOSALS_CONTEXT_TOKEN_BUDGET = 10
    response = generate(client_of(member), repository, prompt="x", paths=["billing.py"])
    assert response.status_code == 400 and "budget" in response.json()["error"]["fields"]["paths"][0]


def test_people_who_may_not_read_the_repository_get_a_404(repository, claude):
    outsider = client_of(UserFactory())
    assert generate(outsider, repository, prompt="invoice").status_code == 404
    assert outsider.post(f"{API}repositories/999999/generate/", {}, format="json").status_code == 404
    assert claude.requests == [] and Generation.objects.count() == 0
    claude.queue(200, message(ANSWER))
    reviewer = client_of(UserFactory(role="reviewer"))  # reviewers read every repository
    assert generate(reviewer, repository, prompt="invoice").status_code == 201


def test_a_repository_generation_can_be_continued(member, repository, claude):
    client = client_of(member)
    claude.queue(200, message(ANSWER))
    claude.queue(200, message(ANSWER))
    first = generate(client, repository, prompt="invoice total").json()["generation"]
    second = generate(client, repository, prompt="and round it", conversation=first["id"]).json()["generation"]
    assert second["parent"] == first["id"]
    assert [m["role"] for m in claude.requests[1]["json"]["messages"]] == ["user", "assistant", "user"]


def test_a_generation_becomes_a_proposal_replacing_a_file(repository, claude):
    reviewer = UserFactory(role="reviewer")
    client = client_of(reviewer)
    claude.queue(200, message(ANSWER))
    generation = generate(client, repository, prompt="round the invoice total").json()["generation"]
    response = client.post(
        f"{API}from-generation/",
        {"generation": generation["id"], "repository": repository.pk, "path": "billing.py"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    proposal = Proposal.objects.get(pk=response.json()["id"])
    assert proposal.status == "pending" and proposal.created_by == reviewer
    assert proposal.code_before == BILLING and proposal.code_after == generation["code"] + "\n"
    assert "-    return sum(line.price" in proposal.diff and "+    return round(" in proposal.diff
    assert proposal.base_commit == gitops.head(repository.path, "main")
    assert f"#{generation['id']}" in proposal.description
    # the reviewers' flow: accept and apply on a branch of its own
    assert client.post(f"{API}{proposal.pk}/accept/", {}, format="json").status_code == 200
    applied = client.post(f"{API}{proposal.pk}/apply/", {}, format="json")
    assert applied.status_code == 200, applied.json()
    branch = applied.json()["branch"]
    assert gitops.read(repository.path, branch, "billing.py").decode() == generation["code"] + "\n"


def test_a_new_file_and_a_project_become_proposals(repository, user):
    reviewer = UserFactory(role="reviewer")
    single = Generation.objects.create(owner=reviewer, kind="code", language="python", code="X = 1", prompt="x")
    client = client_of(reviewer)
    created = client.post(
        f"{API}from-generation/", {"generation": single.pk, "repository": repository.pk, "path": "pkg/x.py"}
    ).json()
    assert created["code_before"] == "" and "new file mode" in created["diff"]
    project = Generation.objects.create(owner=reviewer, kind="project", language="python", prompt="cli")
    ProjectFile.objects.create(generation=project, path="cli/main.py", content="print(1)\n", size=9)
    ProjectFile.objects.create(generation=project, path="cli/README.md", content="# CLI\n", size=6)
    response = client.post(
        f"{API}from-generation/", {"generation": project.pk, "repository": repository.pk, "path": "tools"}
    )
    assert response.status_code == 201, response.json()
    paths = [response.json()["file_path"]] + [f["path"] for f in response.json()["more_files"]]
    assert sorted(paths) == ["tools/cli/README.md", "tools/cli/main.py"]


def test_proposals_from_generations_go_through_the_checks(repository, user):
    reviewer = UserFactory(role="reviewer")
    client = client_of(reviewer)

    def propose(generation, path="new.py", who=client):
        return who.post(
            f"{API}from-generation/", {"generation": generation.pk, "repository": repository.pk, "path": path}
        )

    broken = Generation.objects.create(owner=reviewer, kind="code", language="python", code="def f(:\n", prompt="x")
    refused = propose(broken)
    assert refused.status_code == 400 and "would not parse" in refused.json()["error"]["fields"]["code_after"][0]
    fine = Generation.objects.create(owner=reviewer, kind="code", language="python", code="X = 1", prompt="x")
    assert propose(fine, path="../outside.py").status_code == 400
    assert "path" in propose(fine, path="").json()["error"]["fields"]
    same = Generation.objects.create(owner=reviewer, kind="code", language="python", code=BILLING, prompt="x")
    assert propose(same, path="billing.py").status_code == 400  # changes nothing
    # someone else's generation is not found; plain users may not propose at all
    theirs = Generation.objects.create(owner=user, kind="code", language="python", code="Y = 2", prompt="y")
    assert propose(theirs).status_code == 404
    RepositoryMember.objects.create(repository=repository, user=user)
    denied = propose(theirs, who=client_of(user))
    assert denied.status_code == 403 and "Only reviewers and administrators" in denied.json()["error"]["message"]
    assert Proposal.objects.count() == 0
