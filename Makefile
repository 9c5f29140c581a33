# Rapport: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app tracker
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core; `make test PYTEST_ARGS="tests/triage -x"` runs a part serially.
# loadgroup keeps the reliability tests (each drives its own server) on one worker, in turn.
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: run test lint venv migrate demo clean bench
# `make bench BENCH_ARGS="--postgres"` runs it on PostgreSQL; `--help` lists the options.
BENCH_ARGS ?=

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

migrate: venv
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo --if-empty

run: demo
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	@command -v wrk >/dev/null || { echo "make bench needs wrk (the HTTP load generator):"; \
		echo "  sudo apt-get install wrk    (Debian/Ubuntu)    or    brew install wrk"; \
		echo "or measure in-process only: make bench BENCH_ARGS=--no-serve"; \
		case "$(BENCH_ARGS)" in *--no-serve*) ;; *) exit 1;; esac; }
	$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -ll -r tracker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
