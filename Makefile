# Two commands on a fresh machine with only Python 3.11 and make: `make report`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/ukraine_reassurance_150k.yaml

.PHONY: setup report test test-fast bench bench-test lint schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,dask]'
	touch $(STAMP)

setup: $(STAMP)

report: $(STAMP)
	$(BIN)/logistics-sim report $(SCENARIO)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# make_test_s for the bench table: `make test` on a fresh clone of HEAD (minutes)
bench-test: $(STAMP)
	$(BIN)/python -m benchmarks.make_test

lint: $(STAMP)
	$(BIN)/ruff check logistics_sim optimisation tests benchmarks
	$(BIN)/ruff format --check logistics_sim optimisation tests benchmarks
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/logistics-sim schema > scenarios/scenario.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
