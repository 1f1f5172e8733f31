# Every target creates .venv when it is missing, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run lint typecheck bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/depesha demo

run: $(STAMP)
	$(BIN)/depesha run

lint: $(STAMP)
	$(BIN)/ruff format --check bot storage tests benchmarks
	$(BIN)/ruff check bot storage tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/storage.py
	$(BIN)/python benchmarks/eval_nlp.py
	$(BIN)/python benchmarks/enrich_speed.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/broadcast.py
	$(BIN)/python benchmarks/bot_latency.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
