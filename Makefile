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
DBT := $(BIN)/dbt

.PHONY: help install demo test lint format pytest dbt-test protocol-keyed clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the pinned dependencies

demo: $(STAMP) ## run the main job end to end on synthetic data (DuckDB file under data/demo)
	rm -rf $(DEMO_DIR)/extraction
	$(BIN)/pipase synth --out $(DEMO_DIR)/extraction --youths $(DEMO_YOUTHS)
	PIPASE_DUCKDB_PATH=$(DEMO_DIR)/pipase.duckdb $(BIN)/pipase load $(DEMO_DIR)/extraction
	PIPASE_DUCKDB_PATH=$(DEMO_DIR)/pipase.duckdb $(DBT) build
	@echo "demo: database $(DEMO_DIR)/pipase.duckdb"

lint: $(STAMP) ## ruff and sqlfluff (dbt templater)
	$(BIN)/ruff check src scripts tests
	$(BIN)/ruff format --check src scripts tests
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff lint models macros tests/protocol --processes 2

format: $(STAMP) ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff check --fix src scripts tests
	$(BIN)/ruff format src scripts tests
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff fix models tests/protocol --processes 2

pytest: $(STAMP) ## the Python test suite
	$(BIN)/pytest -q

dbt-test: $(STAMP) ## dbt build (models, data and unit tests) on a small synthetic extraction
	rm -rf $(TEST_DIR)/extraction $(TEST_DIR)/pipase.duckdb
	$(BIN)/pipase synth --out $(TEST_DIR)/extraction --youths $(TEST_YOUTHS) --seed 7
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb $(BIN)/pipase load $(TEST_DIR)/extraction
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb $(DBT) build

protocol-keyed: $(STAMP) ## the conformance vectors through the SQL macros, keyed variant
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb PIPASE_HASH_KEY=pipase-test-key-not-secret \
	  $(DBT) build --select conformance_vectors ref_letter_map tag:protocol --vars '{pipase_keyed: true}'

test: lint pytest dbt-test protocol-keyed ## every check: what CI runs
	@echo "make test: all checks passed"

clean: ## remove generated data, dbt artefacts and the venv
	rm -rf data target logs dbt_packages $(VENV)
