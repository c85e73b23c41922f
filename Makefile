# Everything runs from a project-local virtual environment built from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ACCORD := $(VENV)/bin/accord
PYTEST_ARGS ?= -n 2

.PHONY: install install-dev run test lint typecheck pytest bench clean

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

run: install
	$(ACCORD) migrate
	$(ACCORD) seed
	$(ACCORD) serve

lint: install-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install-dev
	$(VENV)/bin/mypy

pytest: install-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install-dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
