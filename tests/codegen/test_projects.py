"""Multi-file projects through the model's tool call, run as a job; unsafe paths are refused."""

import io
import zipfile

import pytest

from apps.codegen.engine import paths
from apps.codegen.models import Generation, ProjectFile
from apps.core.models import Job

pytestmark = pytest.mark.django_db
API = "/api/v1/codegen/"


def tool_answer(files, summary="A tiny CLI. Run `python app/main.py`."):
    return {
        "id": "msg_tool",
        "type": "message",
        "role": "assistant",
        "model": "claude-test-1",
        "content": [
            {"type": "text", "text": "Here is the project."},
            {"type": "tool_use", "id": "toolu_1", "name": "write_files", "input": {"summary": summary, "files": files}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 500, "output_tokens": 900},
    }


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../etc/passwd", "outside"),
        ("/etc/passwd", "absolute"),
        ("C:\\\\evil.txt", "Windows"),
        ("a/../../b", "outside"),
        (".git/hooks/pre-commit", "version-control"),
        ("", "empty"),
        ("a/" * 9 + "x.py", "deeper"),
        ("bad|name.py", "unusual"),
        ("~/.bashrc", "absolute"),
    ],
)
def test_unsafe_paths(path, reason):
    assert reason in paths.problem(path)


@pytest.mark.parametrize(
    "path", ["app/main.py", "README.md", "src/lib/util-v2.ts", ".env.example", "tests/test_main.py"]
)
def test_safe_paths(path):
    assert paths.problem(path) is None


def test_a_project_job_stores_safe_files_and_refuses_the_rest(auth_client, claude, django_capture_on_commit_callbacks):
    claude.queue(
        200,
        tool_answer(
            [
                {"path": "app/main.py", "content": "print('hi')\n"},
                {"path": "README.md", "content": "# Tiny\n"},
                {"path": "../outside.py", "content": "x"},
                {"path": "app/main.py", "content": "dup"},
            ]
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            f"{API}generate/project/", {"prompt": "a tiny CLI", "language": "python"}, format="json"
        )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.queue == "ai" and job.status == "succeeded", job.error
    assert [f["path"] for f in job.result["files"]] == ["README.md", "app/main.py"]
    assert {r["reason"] for r in job.result["refused"]} == {"goes outside the project ('..')", "duplicate path"}
    sent = claude.requests[0]["json"]
    assert sent["tool_choice"] == {"type": "tool", "name": "write_files"} and sent["tools"][0]["name"] == "write_files"
    generation = Generation.objects.get(kind="project")
    assert generation.input_tokens == 500 and generation.explanation.startswith("A tiny CLI")
    files = auth_client.get(f"{API}projects/{generation.pk}/files/").json()["files"]
    assert files[1] == {"path": "app/main.py", "size": 12, "content": "print('hi')\n"}
    archive = zipfile.ZipFile(io.BytesIO(auth_client.get(job.result["zip"]).content))
    assert sorted(archive.namelist()) == [f"project-{generation.pk}/README.md", f"project-{generation.pk}/app/main.py"]


def test_a_project_of_only_unsafe_files_fails_with_the_reason_and_stores_nothing(
    auth_client, claude, django_capture_on_commit_callbacks
):
    claude.queue(200, tool_answer([{"path": "/etc/cron.d/x", "content": "x"}]))
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(f"{API}generate/project/", {"prompt": "x", "language": "python"}, format="json")
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == "failed" and "absolute path" in job.error
    assert not Generation.objects.exists() and not ProjectFile.objects.exists()


def test_projects_need_a_key_and_good_input(auth_client, settings):
    settings.ANTHROPIC_API_KEY = ""
    response = auth_client.post(f"{API}generate/project/", {"prompt": "x", "language": "python"}, format="json")
    assert response.status_code == 503 and not Job.objects.exists()
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    response = auth_client.post(f"{API}generate/project/", {"prompt": " ", "language": "python"}, format="json")
    assert response.status_code == 400 and "prompt" in response.json()["error"]["fields"]


def test_another_users_project_is_404(auth_client, other_user, claude, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    claude.queue(200, tool_answer([{"path": "a.py", "content": "x = 1\n"}]))
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(f"{API}generate/project/", {"prompt": "x", "language": "python"}, format="json")
    generation = Generation.objects.get()
    intruder = APIClient()
    intruder.force_authenticate(other_user)
    assert intruder.get(f"{API}projects/{generation.pk}/files/").status_code == 404
    assert intruder.get(f"{API}projects/{generation.pk}/zip/").status_code == 404
