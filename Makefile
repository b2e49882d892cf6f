# sessionkit developer commands. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REPO ?= .
STAMP := $(VENV)/.stamp-$(shell $(PYTHON) -c 'import hashlib;print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest()[:12])' 2>/dev/null)

.PHONY: run test venv venv-dev clients lint format typecheck pytest bench docs hooks clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "sessionkit needs Python >= 3.10 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@rm -f $(VENV)/.stamp-* && touch $@

$(STAMP)-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

venv: $(STAMP)

venv-dev: $(STAMP)-dev

## run: create .venv with the dev tools, run every check and the quality gate on $(REPO):
##      `sessionkit check --all-files --only all` (the gate's test check runs the whole suite;
##      `make run GATE_CHECKS=lint,format,typecheck` leaves it out for a quick run)
GATE_CHECKS ?=
run: venv-dev
	$(BIN)/sessionkit check --repo $(REPO) --all-files --only all $(if $(GATE_CHECKS),--gate-check $(GATE_CHECKS))

clients: venv-dev
	$(BIN)/python scripts/install_test_clients.py

lint: venv-dev
	$(BIN)/ruff check src tests tools benchmarks scripts
	$(BIN)/ruff format --check src tests tools benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/python tools/gen_config.py --check

format: venv-dev
	$(BIN)/ruff format src tests tools benchmarks scripts
	$(BIN)/ruff check --fix src tests tools benchmarks scripts

typecheck: venv-dev
	$(BIN)/mypy src

## test: create .venv with dev extras, install the test clients, lint, run the whole suite
test: venv-dev clients lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

pytest: venv-dev
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(ARGS)

bench: venv-dev
	@for f in benchmarks/bench_*.py benchmarks/gates_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

docs: venv-dev
	$(BIN)/python tools/gen_config.py

hooks: venv-dev
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) .tools build dist .pytest_cache .mypy_cache .ruff_cache
