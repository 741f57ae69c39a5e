# wirestrip developer targets. `make setup` once, then `make run` / `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
RUN_DATE ?=

.PHONY: setup run test test-slow check-install lint format bench bench-scale bench-memory eval eval-clean eval-html eval-meta eval-real fit-segments clean

# Every install goes through constraints.txt: the versions this checkout was tested with (how to refresh them: its header).
$(BIN)/wirestrip: setup.py constraints.txt
	@echo "installing wirestrip and its dependencies into $(VENV) (first run: ~2 minutes)…"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,bench]"
	@touch $@

setup: $(BIN)/wirestrip  ## create .venv and install wirestrip with its test and bench tools (datasketch baseline)

run: setup  ## clean the bundled sample dumps into $(OUT)/
	$(BIN)/wirestrip run --input 'samples/dumps/**' --output $(OUT) $(if $(RUN_DATE),--run-date $(RUN_DATE))

test: setup  ## the test suite (the README's test command), tests/ and bench/tests/, on every core; the slow end-to-end cases are `make test-slow`
	@echo "running the test suite on every core ($$(nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo all) here, pytest -n auto): ~5 minutes on 2 cores, less with more"
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not slow"

test-slow: setup  ## the slow end-to-end cases (adversarial inputs, killed and concurrent runs, full disks, object stores, other runners): ~5 minutes on 2 cores; CI runs them after `make test`
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m slow

check-install: setup  ## the built wheel into a fresh venv with Python's own bundled pip (no upgrade), deps from PyPI under constraints.txt, then `wirestrip run` on the samples (~2 minutes; needs PyPI)
	@echo "checking the wheel installs with the bundled pip into a fresh venv and runs the samples (~2 minutes, downloads from PyPI)…"
	WIRESTRIP_CHECK_INSTALL=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_packaging.py -k fresh_venv_with_bundled_pip

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup  ## throughput of the pure stages on generated articles
	$(BIN)/python -m bench.perf.stages
	$(BIN)/python -m bench.perf.clean_speed
	$(BIN)/python -m bench.perf.readers
	$(BIN)/python -m bench.perf.dedup_bench signatures

# MODE: the pipeline run's local runner mode, in_memory (default) or multi_processing (docs/runners.md)
N ?= 10000
MODE ?= in_memory
bench-scale: setup  ## the whole pipeline on N generated articles: articles/s, MB/s, peak RSS (N=100000 for the target)
	$(BIN)/python -m bench.perf.scale $(N) --mode $(MODE)

eval: setup  ## every evaluation whose inputs are present (../shared)
	$(BIN)/python -m bench.eval.eval_all

eval-clean: setup  ## boilerplate/provenance scores on a labelled corpus generated from ../shared
	$(BIN)/python -m bench.eval.eval_clean

eval-dedup: setup  ## near-dup clusters vs labels on a corpus generated from ../shared, datasketch side by side (SWEEP=1: bands x rows, thresholds)
	$(BIN)/python -m bench.eval.eval_dedup $(if $(SWEEP),--sweep)

eval-story: setup  ## which block of each real page (../shared real-pages) dedup compares, mostly body or not, against the previous rule
	$(BIN)/python -m bench.eval.eval_story

bench-memory: setup  ## RSS and seconds of every stage of the local runner on N generated articles (default 10000)
	$(BIN)/python -m bench.perf.stage_memory $(N)

DEDUP_DOCS ?= 100000
bench-dedup: setup  ## the whole dedup stage on the local runner for DEDUP_DOCS generated rows and a tenth of them: time, peak memory
	$(BIN)/python -m bench.perf.dedup_bench stage --docs $(DEDUP_DOCS)

eval-html: setup  ## our HTML path vs bare trafilatura on ../shared/eval/article-extraction (skipped when absent)
	$(BIN)/python -m bench.eval.eval_html

fit-segments: setup  ## fit the segment classifier on ../shared real-pages (both corpora) into transforms/clean/model_data/segments.json, with its held-out-site figures
	$(BIN)/python -m bench.eval.fit_segments

eval-meta: setup  ## metadata (title, authors, publisher, date, language) on ../shared/eval/readability-pages vs bare trafilatura, characters kept on article-extraction
	$(BIN)/python -m bench.eval.eval_meta

eval-real: setup  ## the whole pipeline on ../shared real-pages CSV dumps per labelled segment, held-out sites, with and without the model, baselines side by side
	$(BIN)/python -m bench.eval.eval_real

.PHONY: adversarial
adversarial: setup  ## the adversarial tests (cases generated into a temp folder), with every case's time and peak memory printed
	$(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_adversarial.py

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .ruff_cache

.PHONY: schemas report bench-output
.PHONY: eval-dedup eval-story bench-dedup
schemas: setup  ## regenerate schemas/bigquery/*.json and docs/data_dictionary.md from schemas/
	$(BIN)/python -m wirestrip.schemas.export

report: setup  ## terminal tables + $(OUT)/_report/index.html over the committed output
	$(BIN)/wirestrip report $(OUT)

bench-output: setup  ## row groups and files the writers produce on generated articles
	$(BIN)/python -m bench.perf.output_layout

# Other engines (docs/runners.md): built and installed under build/engines/ and ~/.cache/wirestrip/, never at run time.
.PHONY: prism-check flink-up flink-down flink-check bench-engines
prism-check: setup  ## build Prism with `go install` (first time ~4 min), then the samples on it: rows equal the local runner's (~1 min)
	$(BIN)/python -m bench.engines.check prism $(if $(GENERATED),--generated $(GENERATED))

flink-up: setup  ## a local Flink 1.19 session cluster (JobManager + 2 TaskManagers, loopback only) and Beam's Flink job server (first time ~2 min)
	$(BIN)/python -m bench.engines.flink up

flink-down:  ## stop the cluster flink-up started
	$(BIN)/python -m bench.engines.flink down

flink-check: setup  ## the samples on Flink (cluster started and stopped unless already up): rows equal the local runner's (~2.5-3 min warm, ~6 min cold; CI runs it; GENERATED=10000 adds a generated batch)
	$(BIN)/python -m bench.engines.check flink $(if $(GENERATED),--generated $(GENERATED))

bench-engines: setup  ## the local FnApiRunner vs Prism on N generated articles: articles/s, peak RSS, rows equal
	$(BIN)/python -m bench.engines.engine_bench $(N)
