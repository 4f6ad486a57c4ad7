# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app lms.wsgi
PORT ?= 5000
TRANSLATIONS := lms/translations

.PHONY: run test bench lint clean messages translations install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

# The independent credential verifier of the tests (Node.js, locked by package-lock.json).
NODE_VERIFIER := tests/credentials_verifier

$(VENV)/.installed-test: $(VENV)/.installed $(NODE_VERIFIER)/package-lock.json
	$(BIN)/pip install --quiet -e '.[dev]'
	cd $(NODE_VERIFIER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d $(TRANSLATIONS) 2>&1 | grep -v "^compiling" || true

run: install translations
	@$(FLASK) setup --demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	@$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-test translations
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

# Every figure of the performance table against gunicorn (SQLite and PostgreSQL); ~10 minutes.
# Some of them only: make bench ONLY="live autosave" (the other lines of results.json are kept).
bench: install-test translations
	$(BIN)/python -m benchmarks.run $(ONLY)

lint: install-test
	$(BIN)/ruff check lms tests benchmarks
	$(BIN)/ruff format --check lms tests benchmarks
	$(BIN)/lint-imports --no-cache

# Refresh the catalogues after changing user-visible strings; then translate the new French msgids.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
		--ignore-dirs=".venv .venv-ralph tests" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .venv-ralph instance .pytest_cache .ruff_cache .hypothesis tests/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(TRANSLATIONS) -name '*.mo' -delete
