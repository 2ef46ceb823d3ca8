# pipase: two commands for a new user (README.md).
#   make demo   what: synthetic extraction -> pipase run (load, dbt build, encrypted package)
#               why:  see the whole chain run on the embedded DuckDB default
#   make test   what: every check (ruff, sqlfluff, pytest, dbt build with its tests)
#               why:  the gate that CI (.ci/run) and pre-commit rely on
# Both create .venv and install the pinned dependencies on first use; make test also installs
# the two Debian packages its tests call (system-deps below) when they are missing.

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

.PHONY: help install system-deps demo test lint format pytest dbt-test protocol-keyed docs docs-serve bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[pipeline,synth,dev,association]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the pinned dependencies

# system-deps
#   what: the Debian packages the tests call outside Python: 7zip (7zz, the standard tool that
#         must open the archive with the right password only) and chromium (the docs site is
#         checked in a real headless browser, driven by Playwright, never `playwright install`).
#   why:  make test must work on a fresh machine; pip cannot install these two.
#   when: before pytest (make test, make pytest); does nothing when both are on PATH. Installs
#         them with apt-get as root, or through sudo; otherwise stops and names the command.
#         make demo and make docs do not need them (py7zr writes and reads the archive).
system-deps: ## install Debian's 7zip and chromium when missing (apt-get, as root or with sudo)
	@missing=(); \
	command -v 7zz >/dev/null 2>&1 || missing+=(7zip); \
	command -v chromium >/dev/null 2>&1 || missing+=(chromium); \
	if [ $${#missing[@]} -eq 0 ]; then echo "system-deps: 7zz and chromium present"; exit 0; fi; \
	install="apt-get install -y $${missing[*]}"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "system-deps: $${missing[*]} missing and no apt-get: install the Debian packages $${missing[*]} (7zz and chromium on PATH)" >&2; exit 1; \
	elif [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "system-deps: $${missing[*]} missing; run as root: apt-get update && $$install" >&2; exit 1; fi; \
	echo "system-deps: installing $${missing[*]}: $${sudo:+sudo }apt-get update && $${sudo:+sudo }$$install"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive $$install -qq; \
	if ! command -v 7zz >/dev/null || ! command -v chromium >/dev/null; then \
	  echo "system-deps: 7zz or chromium still missing after apt-get" >&2; exit 1; fi; \
	echo "system-deps: 7zz and chromium installed"

# Synthetic runs only: the archive password of the demo (a real export prompts for it or reads
# PIPASE_ARCHIVE_PASSWORD from the data office's environment).
DEMO_ARCHIVE_ENV := PIPASE_ARCHIVE_PASSWORD=synthetic-demo-archive-password

demo: $(STAMP) ## run the main job end to end on synthetic data (everything under data/demo)
	rm -rf $(DEMO_DIR)
	@echo "== 1/6 synthetic extraction of the five sources"
	$(BIN)/pipase synth --out $(DEMO_DIR)/extraction --youths $(DEMO_YOUTHS) \
	  --extraction-date $(EXTRACTION_DATE)
	@echo "== 2-4/6 pipase run: load, hash-rate measure, dbt build, gate, encrypted package, run record"
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase run $(DEMO_DIR)/extraction --extraction-date $(EXTRACTION_DATE) \
	  --database $(DEMO_DIR)/pipase.duckdb --out $(DEMO_DIR)/export
	@echo "== 5/6 the Association's import and models"
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase import $(DEMO_DIR)/export/pipase_$(EXTRACTION_DATE).7z \
	  --database $(DEMO_DIR)/association/pipase_association.duckdb
	PIPASE_ASSOCIATION_DB=$(CURDIR)/$(DEMO_DIR)/association/pipase_association.duckdb \
	  $(DBT) build --project-dir association --profiles-dir association \
	  --target-path $(CURDIR)/$(DEMO_DIR)/association/target --log-path $(CURDIR)/$(DEMO_DIR)/association/logs
	@echo "== 5b/6 the study: checked tables, charts, report for the Department (pipase publier)"
	$(BIN)/python -c "import acro" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[association]'
	$(BIN)/pipase publier --database $(DEMO_DIR)/association/pipase_association.duckdb \
	  --dbt-target $(DEMO_DIR)/association/target --out $(DEMO_DIR)/association/publication
	$(BIN)/pipase verifier-publication $(DEMO_DIR)/association/publication
	@echo "== 6/6 no canary identity anywhere in what the run produced"
	$(BIN)/python scripts/scan_canaries.py --canaries $(DEMO_DIR)/extraction/ground_truth/canaries.csv \
	  --database $(DEMO_DIR)/pipase.duckdb target logs $(DEMO_DIR)/export $(DEMO_DIR)/association
	$(BIN)/python scripts/evaluate_linkage.py --extraction $(DEMO_DIR)/extraction \
	  --database $(DEMO_DIR)/pipase.duckdb
	@echo "demo: identifying zone $(DEMO_DIR)/pipase.duckdb; package $(DEMO_DIR)/export/; Association $(DEMO_DIR)/association/"
	@echo "study: $(DEMO_DIR)/association/publication/ (rapport.html, tableaux/, graphiques/, controle/)"

lint: $(STAMP) ## ruff and sqlfluff (dbt templater)
	$(BIN)/ruff check src scripts tests
	$(BIN)/ruff format --check src scripts tests
	mkdir -p $(TEST_DIR)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff lint . --processes 2  # scope: .sqlfluffignore
	$(BIN)/python scripts/generate_sources.py --check
	$(BIN)/python scripts/generate_letter_map.py --check
	$(BIN)/python scripts/generate_annexe2_schema.py --check
	$(BIN)/python scripts/generate_identifier_rules.py --check
	$(BIN)/python scripts/compile_messages.py --check

format: $(STAMP) ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff check --fix src scripts tests
	$(BIN)/ruff format src scripts tests
	mkdir -p $(TEST_DIR)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff fix . --processes 2  # scope: .sqlfluffignore

# Two workers, one test file each at a time (a file's module fixtures build once): most of the
# suite's time is dbt's single-threaded Python, so two files side by side use the two cores.
PYTEST_WORKERS ?= 2
pytest: $(STAMP) system-deps ## the Python test suite (PYTEST_WORKERS=0 to run it in one process)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

dbt-test: $(STAMP) ## dbt build (models, data and unit tests) on a small synthetic extraction
	rm -rf $(TEST_DIR)/extraction $(TEST_DIR)/pipase.duckdb $(TEST_DIR)/export
	$(BIN)/pipase synth --out $(TEST_DIR)/extraction --youths $(TEST_YOUTHS) --seed 7 \
	  --extraction-date $(EXTRACTION_DATE)
	$(DEMO_ARCHIVE_ENV) $(BIN)/pipase run $(TEST_DIR)/extraction --extraction-date $(EXTRACTION_DATE) \
	  --database $(TEST_DIR)/pipase.duckdb --out $(TEST_DIR)/export --all-tests
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb $(DBT) docs generate --static
	$(BIN)/python scripts/scan_canaries.py --canaries $(TEST_DIR)/extraction/ground_truth/canaries.csv \
	  --database $(TEST_DIR)/pipase.duckdb target logs $(TEST_DIR)/export

protocol-keyed: $(STAMP) ## the conformance vectors through the SQL macros, keyed with a random key (SQL = Python hmac)
	PIPASE_DUCKDB_PATH=$(TEST_DIR)/pipase.duckdb PIPASE_HASH_KEY="$$($(BIN)/python -c "import secrets; print(secrets.token_hex(24))")" \
	  $(DBT) build --select conformance_vectors ref_letter_map tag:protocol --vars '{pipase_keyed: true}'

docs: $(STAMP) ## French site for the committee and the DPO (site/index.html, dbt docs in site/dbt/) from a synthetic run
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

test: system-deps lint pytest dbt-test protocol-keyed ## every check: what CI runs (installs what it needs)
	@echo "make test: all checks passed"

clean: ## remove generated data, dbt artefacts and the venv
	rm -rf data target logs dbt_packages $(VENV)
