# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint check pytest failure topology schema chromium e2e bench install vendor migrate seed clean lock

# --- set-up ------------------------------------------------------------------------------------
# Every package at the version and hash of the lock file (torch: the CPU build; see README, Stack).
$(VENV)/.installed: requirements-dev.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

# After editing requirements*.txt: pin every transitive package with its hashes, for Linux x86_64 and
# Python 3.11, torch from the CPU wheel (/opt/wheels here; PyTorch's CPU index in the Dockerfile).
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --find-links /opt/wheels --no-emit-find-links
lock: $(VENV)/.installed
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -o requirements-dev.lock requirements-dev.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed vendor

# Copy the npm-installed front-end assets to static/vendor/ (git-ignored), served by whitenoise.
vendor: node_modules/.installed
	@mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons static/vendor/htmx
	@cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/
	@cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/
	@cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	@cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	@mkdir -p static/vendor/chartjs && cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	@mkdir -p static/vendor/lightweight-charts && cp node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js static/vendor/lightweight-charts/
	@mkdir -p static/vendor/codemirror/mode && cp node_modules/codemirror/lib/codemirror.js node_modules/codemirror/lib/codemirror.css node_modules/codemirror/addon/mode/simple.js static/vendor/codemirror/
	@for m in python javascript go rust clike ruby php swift sql xml htmlmixed css; do mkdir -p static/vendor/codemirror/mode/$$m && cp node_modules/codemirror/mode/$$m/$$m.js static/vendor/codemirror/mode/$$m/; done
	@mkdir -p static/vendor/diff2html && cp node_modules/diff2html/bundles/js/diff2html-ui.min.js node_modules/diff2html/bundles/css/diff2html.min.css static/vendor/diff2html/
	@mkdir -p static/vendor/marked && cp node_modules/marked/lib/marked.umd.js static/vendor/marked/
	@mkdir -p static/vendor/dompurify && cp node_modules/dompurify/dist/purify.min.js static/vendor/dompurify/

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# --- the two commands --------------------------------------------------------------------------
run: seed
	@bash platform/dev.sh

test: install lint check pytest

# --- pieces of `make test` ---------------------------------------------------------------------
lint: install
	ruff check .
	ruff format --check .
	lint-imports

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

pytest: install chromium
	$(PY) -m pytest -n 2 -m "not e2e and not serial and not failure and not topology and not schema"
	$(PY) -m pytest -m "(serial or e2e) and not failure and not topology and not schema"

# Failure tests: kill workers, pause and restart throwaway Redis and PostgreSQL servers (minutes).
failure: install
	$(PY) -m pytest -m failure

# The API contract against a live server: schemathesis and a generated client (minutes).
schema: install
	$(PY) -m pytest -p no:xdist -m schema

# The production shape on this machine: two of each scalable process behind nginx (minutes).
topology: install
	$(PY) -m pytest -m topology

# The browser tests need Chromium: installed here when missing and we can (root with apt), else
# the one command to run is printed.
CHROMIUM_HINT := Chromium is needed for the browser tests. Install it with:  sudo apt-get install -y chromium   (or set CHROMIUM_PATH)
chromium:
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
	    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; } \
	    || { echo "$(CHROMIUM_HINT)"; exit 1; }; \
	else echo "$(CHROMIUM_HINT)"; exit 1; fi

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles .run
