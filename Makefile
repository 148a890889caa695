# Quick start: `make demo` and `make test`. Both bootstrap .venv from pinned versions (constraints.txt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CORPORA_TOOL := ../shared/tools/corpus-report

.PHONY: corpora help venv demo test test-dates test-fast test-e2e test-reliability goldens lint typecheck check bench bench-large bench-tools clean

help:
	@echo "make demo              run next-sprint, KB refresh and reminders on the bundled example team repo"
	@echo "make test              lint, architecture contracts, the test suite and test-dates"
	@echo "make test-dates        the date-sensitive tests (marker dates) with now pinned to each of tests/pinned_clock.py's TEST_DATES"
	@echo "make test-reliability  the full fault/race campaign (slow)"
	@echo "make goldens           rewrite the golden files (generated plan, KB pages, Slack messages) after an intended change"
	@echo "make corpora           replay the real teams' sprint histories (../shared/corpora): plans made, actions carried"
	@echo "make bench             benchmarks at the medium size; rewrites BENCHMARKS.md"

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3" -c constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard src flows tests bench examples)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -m "not reliability_full"
	$(MAKE) --no-print-directory test-dates

# "now" of the tests is pinned (tests/pinned_clock.py); this re-runs the date-sensitive ones at a Saturday, the Sunday
# Berlin changes clocks, New Year's Eve late UTC (already next year in Berlin) and a public holiday.
test-dates: $(STAMP)
	@set -e; for now in $$($(BIN)/python tests/pinned_clock.py); do \
		echo "== date-sensitive tests (marker dates) with CEREMONIES_TEST_NOW=$$now"; \
		CEREMONIES_TEST_NOW=$$now $(BIN)/python -m pytest -m dates -q -p no:cacheprovider; \
	done

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow and not reliability_full" -x -q

test-e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e

# Golden files (tests/goldens, tests/slack/goldens): rewritten from what the code produces now; review `git diff`.
goldens: $(STAMP)
	UPDATE_GOLDENS=1 $(BIN)/python -m pytest tests/goldens tests/slack/test_message_goldens.py -q -p no:cacheprovider

test-reliability: $(STAMP)
	CEREMONIES_RELIABILITY_FULL=1 $(BIN)/python -m pytest tests/reliability -m "reliability_full or not reliability_full" -q

corpora: $(STAMP)
	@test -x $(CORPORA_TOOL) || { echo "$(CORPORA_TOOL) not found (the real-team corpora live next to the checkout)"; exit 1; }
	$(CORPORA_TOOL) --cli $(abspath $(BIN))/ceremonies

# git-cliff (the anchor row of the KB full rebuild) is a bench-only tool: installed here, not by make venv.
GIT_CLIFF := git-cliff==2.14.2

bench-tools: $(STAMP)
	@test -x $(BIN)/git-cliff || $(BIN)/python -m pip install --quiet "$(GIT_CLIFF)" \
		|| echo "bench: $(GIT_CLIFF) did not install; the git-cliff row is reported as missing"

bench: bench-tools
	$(BIN)/python -m bench --size medium

bench-large: bench-tools
	$(BIN)/python -m bench --size large

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
