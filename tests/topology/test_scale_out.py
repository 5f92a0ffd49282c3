"""The production shape on one machine: two of each scalable process behind a real nginx.

Two web (gunicorn), two ws (daphne), two workers for each queue, beat and the feed, with the shipped
nginx routing (platform/nginx.conf, its TLS server turned into plain HTTP on a free port). Traffic
goes through nginx only: HTTP, a WebSocket subscriber, a job on every queue. Then one instance of
each scalable kind is killed (SIGKILL) and the same traffic must still be served.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from apps.accounts import services as accounts
from tests.factories import UserFactory
from tests.fakes.anthropic_server import FakeAnthropic
from tests.market.conftest import bundled

pytestmark = [pytest.mark.topology, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("default", "ai", "images", "analysis")
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_config(*, tmp: Path, port: int, web: list[int], ws: list[int]) -> str:
    """The shipped config with test ports: upstreams re-pointed, the TLS server served on `port`."""
    shipped = (ROOT / "platform/nginx.conf").read_text()

    def upstream(name: str, ports: list[int]) -> str:
        block = re.search(rf"upstream {name}\s*\{{(.*?)\}}", shipped, flags=re.S).group(1)
        options = [p.strip() for p in block.split(";") if p.strip() and not p.strip().startswith("server ")]
        servers = [f"server 127.0.0.1:{p}" for p in ports]
        # Keep each server line's own options (max_fails, fail_timeout) from the shipped file.
        template = re.search(r"server 127\.0\.0\.1:\d+([^;]*);", block)
        suffix = template.group(1) if template else ""
        return f"upstream {name} {{ {'; '.join([*(s + suffix for s in servers), *options])}; }}"

    body = re.sub(r"upstream platform_web\s*\{.*?\}", upstream("platform_web", web), shipped, count=1, flags=re.S)
    body = re.sub(r"upstream platform_ws\s*\{.*?\}", upstream("platform_ws", ws), body, count=1, flags=re.S)
    # Drop the port-80 redirect server and TLS: the test speaks plain HTTP to the main server.
    body = re.sub(r"server\s*\{\s*listen 80;.*?\}\s*", "", body, count=1, flags=re.S)
    body = re.sub(r"listen 443 ssl([^;]*);", rf"listen 127.0.0.1:{port}\1;", body)
    body = "\n".join(line for line in body.splitlines() if not re.match(r"\s*(ssl_|http2 )", line))
    return f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{body}
}}
"""


class Cluster:
    def __init__(self, tmp: Path, env: dict[str, str]):
        self.tmp, self.env = tmp, env
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_until(check, *, timeout: float, what: str, cluster: Cluster | None = None, names=()):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # keep trying until the deadline, then report the last failure
            last = exc
        time.sleep(0.5)
    logs = "\n".join(f"--- {n}\n{cluster.log(n)}" for n in names) if cluster else ""
    pytest.fail(f"{what} did not happen within {timeout}s (last error: {last!r})\n{logs}")


@pytest.fixture
def staff_key(db):
    """GOOG's bars for the feed and the model, and an API key of a staff user (self-checks need staff)."""
    bundled("GOOG")
    user = UserFactory(is_staff=True)
    _, key = accounts.create_api_key(user=user, name="topology")
    return key


@pytest.fixture
def cluster(tmp_path, staff_key):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the topology test needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL), as in CI")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    fake = FakeAnthropic()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
        "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        "PYTEST_XDIST_WORKER": "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "NLP_WARM_ON_WORKER_START": "0",
        "DB_POOL_MAX_SIZE": "4",
        # The test polls jobs through nginx; the tier limits are not what it checks.
        "RATE_LIMIT_FREE": "100000",
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "ANTHROPIC_BASE_URL": fake.url,
        "ANTHROPIC_MAX_RETRIES": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    nodes = Cluster(tmp_path, env)
    web, ws = [free_port(), free_port()], [free_port(), free_port()]
    for n, port in enumerate(web, 1):
        nodes.start(
            f"web{n}",
            [
                "gunicorn",
                "config.wsgi",
                "-c",
                "platform/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
        )
    for n, port in enumerate(ws, 1):
        nodes.start(f"ws{n}", ["daphne", "--bind", "127.0.0.1", "--port", str(port), "config.asgi:application"])
    for queue in QUEUES:
        for n in (1, 2):
            nodes.start(
                f"worker-{queue}{n}",
                [
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--queues",
                    queue,
                    "--hostname",
                    f"{queue}{n}@topology",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "--without-mingle",
                    "--without-gossip",
                ],
            )
    nodes.start(
        "beat", ["celery", "-A", "config", "beat", "--loglevel", "WARNING", "--schedule", str(tmp_path / "beat")]
    )
    nodes.start("feed", [sys.executable, "manage.py", "run_quote_feed"])
    port = free_port()
    (tmp_path / "nginx.conf").write_text(nginx_config(tmp=tmp_path, port=port, web=web, ws=ws))
    nodes.start("nginx", [nginx, "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"])
    nodes.url = f"http://127.0.0.1:{port}"
    nodes.fake = fake
    try:
        for name, upstream_port in [("web1", web[0]), ("web2", web[1]), ("ws1", ws[0]), ("ws2", ws[1])]:
            wait_until(
                lambda p=upstream_port: httpx.get(f"http://127.0.0.1:{p}/health/live", timeout=2).status_code == 200,
                timeout=STARTUP_SECONDS,
                what=f"{name} answering",
                cluster=nodes,
                names=[name],
            )
        yield nodes
    finally:
        nodes.stop()
        fake.close()


def tool_answer(files):
    return {
        "id": "msg_tool",
        "type": "message",
        "role": "assistant",
        "model": "claude-test-1",
        "content": [{"type": "tool_use", "id": "t1", "name": "write_files", "input": {"summary": "s", "files": files}}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, format="PNG")
    return out.getvalue()


def start_one_job_per_queue(client: httpx.Client, fake: FakeAnthropic) -> dict[str, str]:
    """Start a real job on each queue through nginx; {queue: job url}."""
    fake.queue(200, tool_answer([{"path": "app.py", "content": "print('hi')\n"}]))
    answers = {
        "default": client.post("/api/v1/system/selfcheck/"),
        "ai": client.post("/api/v1/codegen/generate/project/", json={"prompt": "hello", "language": "python"}),
        "images": client.post("/api/v1/vision/thumbnail/", files={"image": ("a.png", png(), "image/png")}),
        "analysis": client.post("/api/v1/market/stocks/GOOG/prediction/", json={}),
    }
    urls = {}
    for queue, answer in answers.items():
        assert answer.status_code == 202, (queue, answer.status_code, answer.text[:300])
        urls[queue] = answer.json()["url"]
    return urls


def wait_for_jobs(client: httpx.Client, urls: dict[str, str], cluster: Cluster) -> None:
    for queue, url in urls.items():
        job = wait_until(
            lambda u=url: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(client.get(u).json()),
            timeout=120,
            what=f"the {queue} job finishing",
            cluster=cluster,
            names=[f"worker-{queue}1", f"worker-{queue}2"],
        )
        assert job["status"] == "succeeded", (queue, job.get("error"))


def receive_a_tick(url: str, key: str, cluster: Cluster) -> dict:
    """Connect through nginx, authenticate, subscribe to GOOG and return the first live tick."""
    from websockets.sync.client import connect

    def attempt():
        with connect(url.replace("http://", "ws://") + "/ws/market/realtime/", open_timeout=5) as socket_:
            socket_.send(json.dumps({"action": "auth", "token": key}))
            socket_.send(json.dumps({"action": "subscribe", "symbols": ["GOOG"]}))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                frame = json.loads(socket_.recv(timeout=10))
                if frame.get("type") == "tick" and frame.get("symbol") == "GOOG":
                    return frame
        return None

    return wait_until(
        attempt, timeout=60, what="a GOOG tick through nginx", cluster=cluster, names=["feed", "ws1", "ws2"]
    )


def test_service_continues_when_one_of_each_scalable_process_dies(cluster, staff_key):
    client = httpx.Client(base_url=cluster.url, headers={"Authorization": f"Bearer {staff_key}"}, timeout=30)
    wait_until(lambda: client.get("/health/ready").status_code == 200, timeout=60, what="readiness through nginx")
    assert client.get("/api/v1/jobs/").status_code == 200
    receive_a_tick(cluster.url, staff_key, cluster)
    wait_for_jobs(client, start_one_job_per_queue(client, cluster.fake), cluster)

    for name in ("web1", "ws1", *(f"worker-{queue}1" for queue in QUEUES)):
        cluster.kill(name)
        assert not cluster.alive(name)

    # Every HTTP request still answers (nginx moves on from the dead upstream), ticks still arrive on
    # new connections, and each queue's surviving worker runs new jobs.
    statuses = [client.get("/api/v1/jobs/").status_code for _ in range(20)]
    assert statuses == [200] * 20
    assert client.get("/health/ready").status_code == 200
    receive_a_tick(cluster.url, staff_key, cluster)
    wait_for_jobs(client, start_one_job_per_queue(client, cluster.fake), cluster)
    for name in ("web2", "ws2", *(f"worker-{queue}2" for queue in QUEUES), "beat", "feed", "nginx"):
        assert cluster.alive(name), (name, cluster.log(name))
