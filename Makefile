# wirestrip developer targets. `make setup` once, then `make run` / `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
RUN_DATE ?=

.PHONY: setup run test lint format bench eval clean

$(BIN)/wirestrip: setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

setup: $(BIN)/wirestrip  ## create .venv and install wirestrip with its test tools

run: setup  ## clean the bundled sample dumps into $(OUT)/
	$(BIN)/wirestrip run --input 'samples/dumps/**' --output $(OUT) $(if $(RUN_DATE),--run-date $(RUN_DATE))

test: setup  ## the test suite (the README's test command)
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup  ## throughput of the pure stages on generated articles
	$(BIN)/python -m bench.stages

eval: setup  ## every evaluation whose inputs are present (../shared)
	$(BIN)/python -m bench.eval_all

.PHONY: adversarial
adversarial: setup  ## run every adversarial case (generated into a temp folder) and print time and peak memory
	$(BIN)/python -m tests.adversarial.measure > /dev/null

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .ruff_cache
