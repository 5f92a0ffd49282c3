import pytest

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
