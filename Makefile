# novalite: `make run` starts the all-in-one cloud; `make test` runs every test suite.
# Both do their own set-up on a fresh machine (Python deps with uv, Debian packages as root,
# backing services for the tests).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, else where `pip install --user uv` puts it.
UV := $$(command -v uv || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: help run test test-fast deps system-deps services lint typecheck contracts check bench clean

help:
	@echo "make run        start the all-in-one cloud (data in ./data)"
	@echo "make test       install what is needed and run every check and test suite"
	@echo "make test-fast  unit + functional tests without the slow ones (about a minute)"
	@echo "make check      ruff, mypy and the import-linter layer contracts"
	@echo "make bench      run the benchmarks in bench/"

deps:
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

system-deps:
	@tools/install-system-deps.sh

services:
	@tools/ensure-services.sh

run: deps
	$(BIN)/novalite all-in-one --config-file etc/novalite/all-in-one.conf

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: deps
	$(BIN)/mypy

contracts: deps
	$(BIN)/lint-imports

check: lint typecheck contracts

test: deps system-deps services check
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: deps
	$(BIN)/pytest -m "not slow" tests/unit tests/functional $(PYTEST_ARGS)

bench: deps services
	$(BIN)/python bench/rpc_latency.py --transport-url inproc://
	$(BIN)/python bench/rpc_latency.py --transport-url rabbit://guest:guest@127.0.0.1:5672/
	$(BIN)/python bench/sqlite_statement.py
	$(BIN)/python bench/boot_servers.py --setup all-in-one --servers 1000
	$(BIN)/python bench/boot_servers.py --setup distributed --servers 1000

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
