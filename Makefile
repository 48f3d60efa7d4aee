# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench load lint clean

run: $(STAMP)
	$(BIN)/python -m notifier.devserver

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# BENCH=ingest,fanout,send,pacing picks paths; BENCH_QUICK=1 checks the harness in minutes.
bench: $(STAMP)
	BENCH="$(BENCH)" BENCH_QUICK="$(BENCH_QUICK)" BENCH_DB="$(BENCH_DB)" $(BIN)/python -m bench

# 300 mixed events/s for 60 s against the service (PostgreSQL when DATABASE_URL is set).
load: $(STAMP)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The virtual environment, made again whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
