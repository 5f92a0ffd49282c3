"""The production shape for HTTP benchmarks: the shipped nginx config (platform/nginx.conf, with
plain HTTP on a free port instead of TLS) in front of gunicorn (platform/gunicorn.conf.py) and
daphne, loaded with wrk, which reports the throughput of every 1-second window.

Needs Debian's `nginx` and `wrk` (`apt-get install -y nginx wrk`)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import ROOT, free_port

# wrk counts answers per wall-clock second in every thread; done() merges them (thread:get copies
# each thread's table) and prints one JSON line with the summary, latency percentiles and windows.
WRK_SCRIPT = r"""
counts = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  local s = os.time()
  counts[s] = (counts[s] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("counts")) do merged[s] = (merged[s] or 0) + n end
  end
  local windows = {}
  for s, n in pairs(merged) do table.insert(windows, string.format('"%d": %d', s, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "windows": {%s}}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, table.concat(windows, ", ")))
end
"""


def wrk(url: str, *, connections: int = 50, seconds: int = 10, threads: int = 2, headers: dict | None = None) -> dict:
    """Run wrk; its figures with ``rate`` (req/s) and ``windows`` (answers per whole second, the
    partial first and last seconds dropped)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = [
        shutil.which("wrk"),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    result = json.loads(line[4:])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    seconds_seen = sorted(int(s) for s in result["windows"])
    result["windows"] = [result["windows"][str(s)] for s in seconds_seen[1:-1]]
    return result


def stall_report(result: dict) -> str:
    windows = result["windows"]
    mean = sum(windows) / len(windows)
    worst = min(windows)
    return (
        f"{len(windows)} one-second windows: mean {mean:.0f}, min {worst} ({worst / mean:.2f} of the mean), "
        f"max {max(windows)}; windows under half the mean: {sum(1 for w in windows if w < mean / 2)}"
    )


def _nginx_conf(*, port: int, web: int, ws: list[int], run_dir: str) -> str:
    """platform/nginx.conf as shipped, served on 127.0.0.1:``port`` over plain HTTP."""
    shipped = (ROOT / "platform" / "nginx.conf").read_text()
    shipped = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", shipped, flags=re.S)  # the HTTPS redirect
    shipped = shipped.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} backlog=4096;")
    shipped = re.sub(r"\n\s*(http2 on|ssl_certificate\S*)[^;]*;", "", shipped)
    shipped = shipped.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{web}")
    ws_servers = " ".join(f"server 127.0.0.1:{p};" for p in ws)
    shipped = re.sub(r"(upstream platform_ws\s*\{[^}]*?)((server [^;]*;\s*)+)", rf"\g<1>{ws_servers} ", shipped)
    return f"""
worker_processes auto;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {run_dir}/body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
{shipped}
}}
"""


def production_env(database_name: str, **extra) -> dict:
    """The environment of the platform's processes: production settings on the benchmark's database."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "NUM_PROXIES": "1",
        "GUNICORN_CMD_ARGS": "--no-control-socket",  # several benchmarks may run on one machine
    }
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{database_name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{database_name}"
    env.update(extra)
    return env


def _wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 600) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


class Platform:
    """nginx → gunicorn (+ ``daphnes`` daphne processes) on the benchmark's test database."""

    def __init__(self, *, daphnes: int = 0, **env):
        self.daphnes = daphnes
        self.env = env

    def __enter__(self) -> str:
        from django.db import connection

        if not shutil.which("nginx") or not shutil.which("wrk"):
            raise SystemExit("This benchmark needs nginx and wrk: apt-get install -y nginx wrk")
        env = production_env(connection.settings_dict["NAME"], **self.env)
        self.run_dir = tempfile.mkdtemp(prefix="bench-nginx-")
        self.processes = []
        web = free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "platform/gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{web}"},
        )
        self.processes.append(gunicorn)
        ws_ports = [free_port() for _ in range(self.daphnes)] or [free_port()]
        for p in ws_ports[: self.daphnes]:
            daphne = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(p), "config.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.processes.append(daphne)
        port = free_port()
        conf = Path(self.run_dir) / "nginx.conf"
        conf.write_text(_nginx_conf(port=port, web=web, ws=ws_ports, run_dir=self.run_dir))
        nginx = subprocess.Popen([shutil.which("nginx"), "-c", str(conf), "-g", "daemon off;"], cwd=self.run_dir)
        self.processes.append(nginx)
        _wait_for(f"http://127.0.0.1:{web}/health/live", gunicorn, "gunicorn")
        for p, process in zip(ws_ports[: self.daphnes], self.processes[1:], strict=False):
            _wait_for(f"http://127.0.0.1:{p}/health/live", process, "daphne")
        self.url = f"http://127.0.0.1:{port}"
        _wait_for(f"{self.url}/health/live", nginx, "nginx")
        return self.url

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.run_dir, ignore_errors=True)
