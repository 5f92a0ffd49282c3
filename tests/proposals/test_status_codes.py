"""One status code per condition: a file that already exists is a 409 ``file_exists`` wherever it
is named (a proposal's file, a scaffold's first file or a later one)."""

import pytest

from apps.proposals.models import Proposal
from tests.proposals.test_api import API, propose, repo_id  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_new_file_that_exists_is_409(proposer, repo_id):  # noqa: F811
    response = propose(proposer, repo_id, code_before="", code_after="print('hi')\n")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_exists"
    assert "app.py exists" in response.json()["error"]["message"]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("position", [0, 1])
def test_a_scaffold_file_that_exists_is_409_in_any_position(proposer, repo_id, position):  # noqa: F811
    files = [{"path": "tools/new.py", "template": "python-cli", "params": {"prog": "new"}}]
    files.insert(position, {"path": "app.py", "template": "python-cli", "params": {"prog": "x"}})
    response = proposer.post("/api/v1/conquest/scaffold/", {"repository": repo_id, "files": files}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "file_exists"
    assert not Proposal.objects.exists()
