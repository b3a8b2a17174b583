# The two commands of the README: `make app` and `make test`. Both set up what they need first.
# `make lint` (ruff's linter and formatter check, as CI runs them) sets up the test tools first too.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Only this machine can reach the app unless told otherwise (`make app ADDRESS=0.0.0.0` behind a TLS proxy).
ADDRESS ?= 127.0.0.1

.PHONY: app test lint audit setup setup-test browser postgres node sample docs bench load clean

# One BLAS thread for the app too: its matrices are small, and the study planner's simulations ran 10x slower with a
# second thread contending on a busy 2-core machine (26.7 s against 2.5 s for 40 simulations).
app: setup ## set up and run the dashboard on the embedded synthetic hospital
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m streamlit run dashboard.py --server.port $(PORT) --server.address $(ADDRESS)

# One BLAS thread in tests: the models' matrices are small, and on a busy 2-core machine a second thread only waits.
test: setup-test browser postgres node ## set up everything the tests need and run every test (browser tests included)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest

lint: setup-test ## ruff: the linter, then the formatter's check (`ruff format .` fixes what the second finds)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pip-audit resolves requirements.txt (the pins and everything they pull in) and fails on any known vulnerability;
# .ci/audit.py also reads PyPI's project pages where a mirror serves no per-version pages, and names any package
# it could not audit (`make audit AUDIT_FLAGS=--strict` fails on those too).
AUDIT_FLAGS ?=
audit: setup-test ## the dependency audit CI runs: pip-audit -r requirements.txt, failing on a known vulnerability
	$(PY) .ci/audit.py -r requirements.txt $(AUDIT_FLAGS)

setup: $(VENV)/.app-deps
setup-test: $(VENV)/.test-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.app-deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.app-deps

# Browser tests and the PDF pack use Debian's Chromium (never a browser downloaded by a tool);
# poppler-utils (pdftoppm, pdftotext) lets the tests read the PDF back; DejaVu renders Gaelic names.
DEBIAN_PACKAGES := chromium fonts-dejavu-core poppler-utils
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	fi

# The store's tests start their own throw-away PostgreSQL on 127.0.0.1 (tests/store/conftest.py): they need
# Debian's server binaries (/usr/lib/postgresql/<version>/bin), not a running service.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

# The sign-in tests start a real OpenID Connect provider (the npm package oidc-provider, tests/auth/provider/):
# they need Node.js and npm; the tests' fixture runs `npm ci` from the committed lock file.
node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi

sample: setup ## regenerate the synthetic hospital in data/sample (byte-identical every run)
	$(PY) -m analysis sample --out data/sample

docs: setup ## regenerate docs/data-contract.md from the data contract
	$(PY) -m analysis docs --out docs/data-contract.md

bench: setup-test browser ## print the speed figures (analysis, pages in a real browser, the pack)
	-$(PY) benchmarks/analysis_speed.py --skip-national
	-$(PY) benchmarks/pages_speed.py
	-$(PY) benchmarks/report_render.py
	-$(PY) benchmarks/pack_speed.py
	-$(PY) benchmarks/load_speed.py

load: setup-test browser ## load: 20 browser sessions and 2 uploads at once on 127.0.0.1 (prints answer times, peak memory)
	$(PY) benchmarks/load.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
