# pipase: two commands for a new user (README.md).
#   make demo   what: synthetic extraction -> load -> dbt build -> encrypted package
#               why:  see the whole chain run on the embedded DuckDB default
#   make test   what: every check (ruff, sqlfluff, pytest, dbt build with its tests)
#               why:  the gate that CI (.ci/run) and pre-commit rely on
# Both create .venv and install the pinned dependencies on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export PIPASE_PROJECT_DIR := $(CURDIR)
# Synthetic runs only: the secret behind the stable codes (family file, placement
# organisation). A real run takes it from the environment of the data office, never from here.
export PIPASE_CODE_KEY ?= synthetic-demo-code-key-not-secret

DEMO_DIR ?= data/demo
DEMO_YOUTHS ?= 2000
TEST_DIR := data/test
TEST_YOUTHS ?= 400
DOCS_DIR ?= data/docs
DOCS_YOUTHS ?= 300
# the synthetic extraction's date (pipase synth's default)
EXTRACTION_DATE ?= 2026-06-30
DBT := $(BIN)/dbt

.PHONY: help install demo test lint format pytest dbt-test protocol-keyed docs docs-serve bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[pipeline,synth,dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the pinned dependencies

# Synthetic runs only: the archive password of the demo (a real export prompts for it or reads
# PIPASE_ARCHIVE_PASSWORD from the data office's environment).
DEMO_ARCHIVE_ENV := PIPASE_ARCHIVE_PASSWORD=synthetic-demo-archive-password

demo: $(STAMP) ## run the main job end to end on synthetic data (everything under data/demo)
	rm -rf $(DEMO_DIR)
	@echo "== 1/6 synthetic extraction of the five sources"
	$(BIN)/pipase synth --out $(DEMO_DIR)/extraction --youths $(DEMO_YOUTHS) \
	  --extraction-date $(EXTRACTION_DATE)
	@echo "== 2/6 load into the identifying zone ($(DEMO_DIR)/pipase.duckdb)"
	$(BIN)/pipase load $(DEMO_DIR)/extraction --database $(DEMO_DIR)/pipase.duckdb \
	  --extraction-date $(EXTRACTION_DATE)
	$(BIN)/python scripts/measure_hash_rate.py --database $(DEMO_DIR)/pipase.duckdb
	@echo "== 3/6 dbt build: keys, cohort, crossing, minimisation, annex 2, privacy tests"
	PIPASE_DUCKDB_PATH=$(DEMO_DIR)/pipase.duckdb $(DBT) build --selector main_job
	$(BIN)/python scripts/check_privacy_coverage.py --manifest target/manifest.json \
	  --run-results target/run_results.json --min-leaving 10
	@echo "== 4/6 encrypted package for the Association"
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase export --database $(DEMO_DIR)/pipase.duckdb \
	  --out $(DEMO_DIR)/export --extraction-date $(EXTRACTION_DATE)
	@echo "== 5/6 the Association's import and models"
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase import $(DEMO_DIR)/export/pipase_$(EXTRACTION_DATE).7z \
	  --database $(DEMO_DIR)/association/pipase_association.duckdb
	PIPASE_ASSOCIATION_DB=$(CURDIR)/$(DEMO_DIR)/association/pipase_association.duckdb \
	  $(DBT) build --project-dir association --profiles-dir association \
	  --target-path $(CURDIR)/$(DEMO_DIR)/association/target --log-path $(CURDIR)/$(DEMO_DIR)/association/logs
	@echo "== 6/6 no canary identity anywhere in what the run produced"
	$(BIN)/python scripts/scan_canaries.py --canaries $(DEMO_DIR)/extraction/ground_truth/canaries.csv \
	  --database $(DEMO_DIR)/pipase.duckdb target logs $(DEMO_DIR)/export $(DEMO_DIR)/association
	$(BIN)/python scripts/evaluate_linkage.py --extraction $(DEMO_DIR)/extraction \
	  --database $(DEMO_DIR)/pipase.duckdb
	@echo "demo: identifying zone $(DEMO_DIR)/pipase.duckdb; package $(DEMO_DIR)/export/; Association $(DEMO_DIR)/association/"

lint: $(STAMP) ## ruff and sqlfluff (dbt templater)
	$(BIN)/ruff check src scripts tests
	$(BIN)/ruff format --check src scripts tests
	mkdir -p $(TEST_DIR)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff lint models tests/protocol tests/privacy --processes 2
	$(BIN)/python scripts/generate_sources.py --check
	$(BIN)/python scripts/generate_letter_map.py --check
	$(BIN)/python scripts/compile_messages.py --check

format: $(STAMP) ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff check --fix src scripts tests
	$(BIN)/ruff format src scripts tests
	mkdir -p $(TEST_DIR)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff fix models tests/protocol --processes 2

pytest: $(STAMP) ## the Python test suite
	$(BIN)/pytest -q

dbt-test: $(STAMP) ## dbt build (models, data and unit tests) on a small synthetic extraction
	rm -rf $(TEST_DIR)/extraction $(TEST_DIR)/pipase.duckdb $(TEST_DIR)/export
	$(BIN)/pipase synth --out $(TEST_DIR)/extraction --youths $(TEST_YOUTHS) --seed 7 \
	  --extraction-date $(EXTRACTION_DATE)
	$(BIN)/pipase load $(TEST_DIR)/extraction --database $(TEST_DIR)/pipase.duckdb \
	  --extraction-date $(EXTRACTION_DATE)
	$(BIN)/python scripts/measure_hash_rate.py --database $(TEST_DIR)/pipase.duckdb
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb $(DBT) build
	$(BIN)/python scripts/check_privacy_coverage.py --manifest target/manifest.json \
	  --run-results target/run_results.json --min-leaving 10
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase export --database $(TEST_DIR)/pipase.duckdb \
	  --out $(TEST_DIR)/export --extraction-date $(EXTRACTION_DATE)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb $(DBT) docs generate --static
	$(BIN)/python scripts/scan_canaries.py --canaries $(TEST_DIR)/extraction/ground_truth/canaries.csv \
	  --database $(TEST_DIR)/pipase.duckdb target logs $(TEST_DIR)/export

protocol-keyed: $(STAMP) ## the conformance vectors through the SQL macros, keyed variant
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb PIPASE_HASH_KEY=pipase-test-key-not-secret \
	  $(DBT) build --select conformance_vectors ref_letter_map tag:protocol --vars '{pipase_keyed: true}'

docs: $(STAMP) ## French data-dictionary site (site/index.html) from a synthetic run
	PIPASE_DUCKDB_PATH=$(DOCS_DIR)/pipase.duckdb DBT_LOG_PATH=$(DOCS_DIR)/logs \
	  $(BIN)/python scripts/build_docs.py --synthetic-run-if-missing --youths $(DOCS_YOUTHS) \
	  --target-path $(DOCS_DIR)/target
	$(BIN)/python scripts/check_docs_completeness.py --manifest $(DOCS_DIR)/target/manifest.json

docs-serve: ## serve site/ on 127.0.0.1, on a free port the OS picks (printed)
	@test -f site/index.html || { echo "docs-serve: run make docs first"; exit 1; }
	$(BIN)/python -m http.server 0 --bind 127.0.0.1 --directory site

BENCH_ARGS ?= --scales 10000,100000,1000000
bench: $(STAMP) ## time every stage at several scales and the keys four ways (data/bench/)
	$(BIN)/pipase bench $(BENCH_ARGS)

test: lint pytest dbt-test protocol-keyed ## every check: what CI runs
	@echo "make test: all checks passed"

clean: ## remove generated data, dbt artefacts and the venv
	rm -rf data target logs dbt_packages $(VENV)
