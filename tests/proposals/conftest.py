import pytest
from rest_framework.test import APIClient

from apps.proposals.engine import gitops

SOURCE = "import os\n\n\ndef run(cmd):\n    return os.system(cmd)\n\n\ndef helper():\n    return 1\n"


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    for args in (
        ("init", "--quiet", "--initial-branch", "main"),
        ("config", "user.name", "Owner"),
        ("config", "user.email", "owner@example.com"),
    ):
        gitops.git(path, *args)
    (path / "app.py").write_text(SOURCE)
    gitops.git(path, "add", "app.py")
    gitops.git(path, "commit", "--quiet", "-m", "initial")
    return path


@pytest.fixture
def admin_api(db):
    """An API client of a user with the admin role (registers repositories)."""
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(role="admin"))
    return client


@pytest.fixture
def proposer(db):
    """An API client of a reviewer: creates proposals, runs agents and tests (what plain users may not)."""
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(role="reviewer", email="pat@example.com"))
    return client
