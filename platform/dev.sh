#!/usr/bin/env bash
# Start every process of the platform on this machine (called by `make run`); Ctrl-C stops them all.
# With Redis (REDIS_URL, or a Redis answering on 127.0.0.1:6379): gunicorn :8000, daphne :8001,
# Celery worker and beat, the quote feed. Without: one daphne on :8000 with tasks run in-process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" PYTHONUNBUFFERED=1
mkdir -p .run
# Metrics of every process of this machine are summed by /metrics (prometheus_client multiprocess mode).
export PROMETHEUS_MULTIPROC_DIR="$PWD/.run/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

if [[ -z "${REDIS_URL:-}" ]] && python - <<'PY' 2>/dev/null
import redis
redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
PY
then
  export REDIS_URL="redis://127.0.0.1:6379/0"
fi

echo "Database: ${DATABASE_URL:-SQLite file db.sqlite3 (set DATABASE_URL=postgres://... for PostgreSQL)}"
if [[ -n "${REDIS_URL:-}" ]]; then
  export WEBSOCKET_URL="${WEBSOCKET_URL:-ws://127.0.0.1:8001}"
  echo "Redis: $REDIS_URL (cache, channel layer, Celery broker). Web http://127.0.0.1:8000, WebSockets $WEBSOCKET_URL"
  exec honcho --procfile platform/Procfile.dev --app-root . start
else
  echo "Notice: no Redis found; running one daphne on http://127.0.0.1:8000 with tasks run in-process and an in-memory channel layer."
  exec honcho --procfile platform/Procfile.solo --app-root . start
fi
