# Quick start: `make demo` and `make test`. Both bootstrap .venv from pinned versions (constraints.txt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help venv demo test test-fast test-e2e test-reliability lint typecheck check bench bench-large clean

help:
	@echo "make demo              run next-sprint, KB refresh and reminders on the bundled example team repo"
	@echo "make test              lint, architecture contracts and the test suite"
	@echo "make test-reliability  the full fault/race campaign (slow)"
	@echo "make bench             benchmarks at the medium size; rewrites BENCHMARKS.md"

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3" -c constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python flows/demo.py

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard src flows tests bench)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -m "not reliability_full"

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow and not reliability_full" -x -q

test-e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e

test-reliability: $(STAMP)
	CEREMONIES_RELIABILITY_FULL=1 $(BIN)/python -m pytest tests/reliability -m "reliability_full or not reliability_full" -q

bench: $(STAMP)
	$(BIN)/python -m bench --size medium

bench-large: $(STAMP)
	$(BIN)/python -m bench --size large

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
