# The two entry points of the README. Each (re)creates .venv when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.norrsken-installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/norrsken demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The fast tier: everything but the demo, the dask-cluster and subprocess tests and the heaviest
# cross-checks, on both cores (under 2 min once the kernels are compiled).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) norrsken-demo
