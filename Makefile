# Everything runs from a project-local virtual environment built from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ACCORD := $(VENV)/bin/accord
PYTEST_ARGS ?= -n 2

.PHONY: install install-dev run test lint typecheck pytest bench clean messages

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

# Apps with a locale/ folder get their nl catalog refreshed (mkdir src/accord/<app>/locale to add one), then every
# catalog is compiled in pure Python; the .mo files are committed so installs need no GNU gettext.
I18N_APPS ?= $(notdir $(patsubst %/locale,%,$(wildcard src/accord/*/locale)))

messages: install-dev
	for app in $(I18N_APPS); do \
	  (cd src/accord/$$app && ACCORD_HOME=$(CURDIR) DJANGO_SETTINGS_MODULE=accord.settings \
	    $(CURDIR)/$(VENV)/bin/django-admin makemessages -l nl -e html,txt,py -i migrations --no-obsolete \
	    --add-location=file) || exit 1; \
	done
	$(PY) -m accord.core.catalogs compile $(I18N_APPS)

bench: install-dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
