# flowsg: two commands do all the set-up on a fresh machine (python3 >= 3.11, pip, make):
#   make demo   creates .venv, installs flowsg, analyzes sample_logs/ and prints the result
#   make test   installs the test dependencies, runs ruff, mypy --strict and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= flowsg.duckdb

.PHONY: demo test lint typecheck pytest fuzz sample bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "flowsg needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/flowsg analyze sample_logs/ --snapshot sample_logs/snapshot --db $(DB) --out sample_out

test: $(VENV)/.installed-test lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict flowsg

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# Coverage-guided fuzzing with atheris, outside `make test` (issue 8): FUZZ_TARGET=load|snapshot,
# FUZZ_SECONDS per run. A crash leaves crash-<hash> here: make it a test in tests/test_fuzz.py.
# (The hypothesis fuzz tests of `make test` run longer with FLOWSG_FUZZ_EXAMPLES=2000.)
FUZZ_TARGET  ?= load
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet 'atheris>=2.3'
	$(BIN)/python tests/fuzz_atheris.py $(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096

# The benchmark suite (issue 5): generates data once into benchmarks/data/ (git-ignored), then
# prints one table of timings against the targets. `make bench ARGS=--quick` takes about a minute.
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py $(ARGS)

# Regenerate the sample scenario (sample_logs/) from its script.
sample: $(VENV)/.installed
	$(BIN)/python sample_logs/generate.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis *.duckdb *.duckdb.wal sample_out crash-*
