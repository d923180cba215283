# The README documents `make run` and `make test`; CI runs `make test` only.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GOVREPORT_DB ?= $(CURDIR)/warehouse/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: env native run test ui bench lint format docs clean

env: $(STAMP) native

# The environment is created from the hash-pinned lock file, then the project itself
# is installed without dependencies (they all come from the lock).
$(STAMP): requirements.lock pyproject.toml
	@echo "installing $(VENV) from requirements.lock (first run, or the lock changed; about a minute) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)
	@echo "$(VENV) ready: $$(grep -c '^[a-zA-Z]' requirements.lock) pinned packages installed"

# The parser's pure modules compiled with mypyc (dagster_project/govreport/native.py): rebuilt when one
# of them changes; without a C compiler the parser runs interpreted (same output) and this says so.
# The list of compiled modules is native.COMPILED; any change in the package asks the builder, which
# does nothing when the build still matches its sources.
NATIVE_DIR := dagster_project/govreport
NATIVE_MANIFEST := $(NATIVE_DIR)/_native/manifest.json

native: $(NATIVE_MANIFEST)

$(NATIVE_MANIFEST): $(wildcard $(NATIVE_DIR)/*.py) pyproject.toml | $(STAMP)
	@$(BIN)/python -W ignore::RuntimeWarning -m dagster_project.govreport.build_native || echo "parser: continuing interpreted"

# Dagster's run history lives in DAGSTER_HOME; dagster.yaml (written once, then yours to change) turns
# telemetry off and keeps the run history's SQLite connections open (dagster_project/run_history.py).
$(DAGSTER_HOME)/dagster.yaml: | $(STAMP)
	@$(BIN)/python -m dagster_project.run_history $(DAGSTER_HOME)

run: env $(DAGSTER_HOME)/dagster.yaml
	@$(BIN)/govreport refresh

# Lint first (under a minute; CI runs only `make test`), then the whole suite.
test: env $(DAGSTER_HOME)/dagster.yaml lint
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

ui: env $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -h 127.0.0.1 -p $${DAGSTER_PORT:-3000} -m dagster_project.definitions

bench: env
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# sqlfluff (dbt/.sqlfluff) compiles the models with the dbt templater, which opens a database: it gets
# a throwaway one and its own target folder, never the warehouse or the manifest Dagster reads.
SQLFLUFF_TARGET := target/sqlfluff
lint: env
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	@mkdir -p dbt/$(SQLFLUFF_TARGET)
	cd dbt && GOVREPORT_DB=$(CURDIR)/dbt/$(SQLFLUFF_TARGET)/lint.duckdb DBT_TARGET_PATH=$(SQLFLUFF_TARGET) \
		$(abspath $(BIN))/sqlfluff lint models --disable-progress-bar

# The dbt documentation site (lineage, model and column docs, tests): warehouse/dbt_docs/index.html.
docs: env $(DAGSTER_HOME)/dagster.yaml
	@$(BIN)/govreport docs

# SQL is not rewritten here; `cd dbt && sqlfluff fix models/<file>.sql` (same variables as lint) does.
format: env
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) warehouse/*.duckdb* dbt/target dbt/logs .dagster_home $(NATIVE_DIR)/_native
