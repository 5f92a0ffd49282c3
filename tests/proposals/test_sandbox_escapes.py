"""Every way out of the sandbox the proposals flow has been tried with: from inside a test run, each
attempt fails, the run's output says so, and the platform keeps serving.

The tests run the sandbox for real (bubblewrap, an unprivileged uid, the limits), with a uid of
their own so parallel runs on this machine do not share a process count."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from apps.core.errors import ServiceUnavailable
from apps.proposals import services
from apps.proposals.engine import gitops, sandbox
from apps.proposals.services.proposals import sandbox_policy

pytestmark = pytest.mark.django_db

ESCAPE = r"""
import os, socket, sys

def attempt(what, action):
    try:
        detail = action()
    except BaseException as exc:
        print(f"BLOCKED {what}: {type(exc).__name__}: {exc}", flush=True)
    else:
        print(f"ESCAPED {what}: {detail!r}"[:300], flush=True)

def read(path):
    with open(path, "rb") as handle:
        return handle.read(200)

def write(path):
    with open(path, "w") as handle:
        handle.write("escaped")
    return path

def connect_tcp(port):
    return socket.create_connection(("127.0.0.1", int(port)), timeout=3).getpeername()

def connect_unix(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(path)
    return path

def need(name):
    value = os.environ.get(name)
    if value is None:
        raise LookupError(f"{name} is not in the environment")
    return value

def fork_bomb():
    children = []
    try:
        while True:
            pid = os.fork()
            if pid == 0:
                import time; time.sleep(30); os._exit(0)
            children.append(pid)
    finally:
        print(f"forked {len(children)} processes", flush=True)
        for pid in children:
            os.kill(pid, 9)

def allocate():
    block = bytearray(3 * 1024 ** 3)
    return len(block)

mode, *args = sys.argv[1:]
print(f"uid {os.getuid()}", flush=True)
if mode == "env":
    for name in args:
        attempt(f"env {name}", lambda n=name: need(n))
    def first_environ():
        found = read("/proc/1/environ")
        if not found:
            raise LookupError("empty")
        return found
    attempt("/proc/1/environ", first_environ)
    def secrets_in_own_environ():
        found = [n for n in args if n.encode() in read("/proc/self/environ")]
        if not found:
            raise LookupError("none there")
        return found
    attempt("/proc/self/environ secrets", secrets_in_own_environ)
elif mode == "tcp":
    attempt("tcp 127.0.0.1", lambda: connect_tcp(args[0]))
elif mode == "unix":
    for path in args:
        attempt(f"unix {path}", lambda p=path: connect_unix(p))
elif mode == "read":
    for path in args:
        attempt(f"read {path}", lambda p=path: os.listdir(p) if os.path.isdir(p) else read(p))
elif mode == "write":
    for path in args:
        if os.path.dirname(path) == "/tmp":  # the sandbox's own tmpfs: allowed, and never the host's /tmp
            print(f"PRIVATE write {write(path)}", flush=True)
        else:
            attempt(f"write {path}", lambda p=path: write(p))
    print("worktree write:", write("inside.txt"), flush=True)
elif mode == "fork":
    attempt("fork bomb", fork_bomb)
elif mode == "memory":
    attempt("allocate 3 GB", allocate)
"""


@pytest.fixture
def sandboxed(settings):
    """Sandbox settings for these tests: a uid of their own, small limits."""
    settings.PROPOSALS_SANDBOX_UID = 200_000 + os.getpid() % 50_000
    settings.PROPOSALS_SANDBOX_PROCESSES = 24
    settings.PROPOSALS_SANDBOX_MEMORY_MB = 768
    settings.PROPOSALS_SANDBOX_TIMEOUT = 60
    settings.PROPOSALS_SANDBOX_ALLOW_UNISOLATED = False
    return settings


@pytest.fixture
def escape(repo, sandboxed):
    """A repository holding the escape script, and a function running one mode of it in the sandbox."""
    (repo / "escape.py").write_text(ESCAPE)
    gitops.git(repo, "add", "escape.py")
    gitops.git(repo, "commit", "--quiet", "-m", "escape")
    repository = services.register_repository(name="escapes", path=str(repo))
    proposal = services.create_proposal(
        repository=repository,
        file_path="app.py",
        code_before="    return 1\n",
        code_after="    return 1  # unchanged\n",
        ai_type="guardian",
        description="A change to test",
    )

    def run(mode: str, *args: str, env: dict | None = None, escapes: bool = False) -> dict:
        repository.test_command = " ".join([sys.executable, "escape.py", mode, *args])
        repository.test_environment = env or {}
        repository.save()
        proposal.refresh_from_db()
        result = services.run_sandbox(proposal=proposal)
        assert f"uid {sandboxed.PROPOSALS_SANDBOX_UID}" in result["output"], result["output"]  # not root
        assert escapes or "ESCAPED" not in result["output"], result["output"]
        return result

    return run


def blocked(result: dict, what: str) -> str:
    line = next((line for line in result["output"].splitlines() if line.startswith(f"BLOCKED {what}")), None)
    assert line, f"no BLOCKED {what} in:\n{result['output']}"
    return line


def test_the_workers_secrets_are_not_in_its_environment(escape, monkeypatch):
    monkeypatch.setenv("PLATFORM_TEST_SECRET", "s3cret-value")
    monkeypatch.setenv("SECRET_KEY", "the-platform-secret-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    result = escape("env", "PLATFORM_TEST_SECRET", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ANTHROPIC_API_KEY")
    for name in ("PLATFORM_TEST_SECRET", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ANTHROPIC_API_KEY"):
        assert "is not in the environment" in blocked(result, f"env {name}")
    assert "PermissionError" in blocked(result, "/proc/1/environ") or "empty" in blocked(result, "/proc/1/environ")
    blocked(result, "/proc/self/environ secrets")
    assert "s3cret-value" not in result["output"]


def test_no_tcp_to_the_machine(escape):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()  # reachable from the host
        result = escape("tcp", str(port))
    finally:
        listener.close()
    assert "ConnectionRefusedError" in blocked(result, "tcp 127.0.0.1") or "unreachable" in result["output"]


@pytest.fixture
def redis_socket(tmp_path):
    """A throwaway Redis listening on a Unix socket only (the shared one has none)."""
    folder = Path("/run") / f"redis-test-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    path = folder / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "777", "--save", ""],  # noqa: S607
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if path.exists():
            break
        time.sleep(0.05)
    yield path
    server.kill()
    server.wait()
    shutil.rmtree(folder, ignore_errors=True)


def test_no_postgresql_or_redis_through_their_unix_sockets(escape, redis_socket):
    postgres = "/var/run/postgresql/.s.PGSQL.5432"
    for path in (postgres, str(redis_socket)):
        probe = socket.socket(socket.AF_UNIX)
        probe.connect(path)  # both answer from the host
        probe.close()
    result = escape("unix", postgres, str(redis_socket))
    for path in (postgres, str(redis_socket)):
        assert "FileNotFoundError" in blocked(result, f"unix {path}")


def test_the_project_its_database_env_and_media_are_not_there(escape, tmp_path):
    base = Path(django_settings.BASE_DIR)
    media = Path(django_settings.MEDIA_ROOT)
    targets = [base, base / "db.sqlite3", base / ".env", base / "config" / "settings.py", media, "/root/.bashrc"]
    targets += ["/etc/passwd", "/etc/postgresql", "/home"]
    result = escape("read", *map(str, targets))
    for target in targets:
        outcome = blocked(result, f"read {target}")
        if target == base:
            # A virtualenv inside the project (a fresh clone's .venv) is bound read-only at its real
            # path: the project folder is then a traversal-only path to it, never listable.
            assert "FileNotFoundError" in outcome or "PermissionError" in outcome, outcome
        else:
            assert "FileNotFoundError" in outcome, outcome


def test_writes_stay_in_the_worktree(escape, repo):
    marker = f"escape-{uuid.uuid4().hex[:8]}"
    outside = [
        Path("/tmp") / marker,
        Path("/dev/shm") / marker,
        repo / marker,
        Path(django_settings.BASE_DIR) / marker,
        Path("/usr") / marker,
    ]
    result = escape("write", *map(str, outside))
    assert "worktree write: inside.txt" in result["output"]
    for path in outside:
        assert not path.exists(), f"{path} was written"
    assert f"PRIVATE write /tmp/{marker}" in result["output"]  # its own tmpfs, not the host's
    for path in outside[1:]:
        assert "Error" in blocked(result, f"write {path}")


def test_a_fork_bomb_stops_at_the_process_limit_and_the_platform_keeps_serving(escape, client):
    started = time.monotonic()
    result = escape("fork")
    line = blocked(result, "fork bomb")
    assert "BlockingIOError" in line or "Resource temporarily unavailable" in line
    forked = int(next(x for x in result["output"].splitlines() if x.startswith("forked")).split()[1])
    assert forked < 24
    assert time.monotonic() - started < 30
    assert client.get("/health").status_code == 200


def test_memory_past_the_limit_is_refused(escape, client):
    result = escape("memory")
    assert "MemoryError" in blocked(result, "allocate 3 GB")
    assert client.get("/health").status_code == 200


def test_only_the_repositorys_own_environment_settings_reach_it(escape, monkeypatch):
    monkeypatch.setenv("NOT_GIVEN", "from the worker")
    result = escape("env", "GIVEN", "NOT_GIVEN", env={"GIVEN": "from the repository's settings"}, escapes=True)
    assert 'ESCAPED env GIVEN: "from the repository\'s settings"' in result["output"]
    assert "is not in the environment" in blocked(result, "env NOT_GIVEN")


def test_it_refuses_to_run_when_it_cannot_isolate(escape, repo, sandboxed):
    sandboxed.PROPOSALS_SANDBOX_BWRAP = "/nonexistent/bwrap"
    with pytest.raises(ServiceUnavailable) as refused:
        escape("write", str(repo / "ran-unisolated"))
    assert "cannot isolate" in str(refused.value) and "/nonexistent/bwrap is not installed" in str(refused.value)
    assert not (repo / "ran-unisolated").exists()


def test_unisolated_runs_only_when_an_administrator_allows_them(repo, sandboxed):
    sandboxed.PROPOSALS_SANDBOX_BWRAP = "/nonexistent/bwrap"
    sandboxed.PROPOSALS_SANDBOX_ALLOW_UNISOLATED = True
    outcome = sandbox.run([sys.executable, "-c", "print('ran')"], workdir=repo, policy=sandbox_policy())
    assert outcome.isolated is False and "ran WITHOUT isolation" in outcome.output and "ran" in outcome.output
