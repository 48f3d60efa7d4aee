# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench load soak lint clean corpus us-prefixes

run: $(STAMP)
	$(BIN)/python -m notifier.devserver

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Precision and recall of the reply reader on tests/corpus/replies, and every miss.
corpus: $(STAMP)
	$(BIN)/python -m tests.corpus.report

# The US state of each +1 prefix, from the installed phonenumbers (after upgrading it).
us-prefixes: $(STAMP)
	$(BIN)/python -m consent.us_prefixes consent/us_prefixes.json

# BENCH=ingest,fanout,send,pacing picks paths; BENCH_QUICK=1 checks the harness in minutes.
# With every path, the console's dashboard too: under 300 ms with a million texts.
bench: $(STAMP)
	BENCH="$(BENCH)" BENCH_QUICK="$(BENCH_QUICK)" BENCH_DB="$(BENCH_DB)" $(BIN)/python -m bench
	@if [ -z "$(BENCH)" ]; then \
		$(BIN)/python -m bench.console $(if $(BENCH_QUICK),--messages 20000 --runs 2,); fi

# 300 mixed events/s for 60 s against the service (PostgreSQL when DATABASE_URL is set).
load: $(STAMP)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# The whole service for SOAK_SECONDS (default 1800) under traffic, Redis restarts and worker
# kills; then every accepted event's texts are checked sent exactly once.
soak: $(STAMP)
	$(BIN)/python -m bench.soak

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The virtual environment, made again whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@echo "== Setting up $(VENV): installing the pinned packages (the first time takes a minute or two)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	touch $(STAMP)
	@echo "== $(VENV) is ready"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
