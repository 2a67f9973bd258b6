# `make run` and `make test` are all a newcomer needs; both set everything up first.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/peer_support_test

.PHONY: setup migrate run demo test lint typecheck test-sqlite test-postgres test-browser clean

$(INSTALLED): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ echo "Python's venv module is missing: apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(INSTALLED)

setup: $(INSTALLED)

migrate: setup
	$(BIN)/peer-support migrate

# The server and one background worker (mail, reminders); Ctrl-C stops both.
run: migrate
	$(BIN)/peer-support serve --with-worker --host $(HOST) --port $(PORT)

demo: migrate
	$(BIN)/peer-support demo $(DEMO_FLAGS)
	$(BIN)/peer-support serve --with-worker --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

test-sqlite: setup
	@echo "== tests on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: setup
	@echo "== tests on PostgreSQL ($(POSTGRES_TEST_URL)) =="
	TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

# The browser tests alone (Playwright driving /usr/bin/chromium); screenshots land in
# test-artifacts/screenshots/.
test-browser: setup
	env -u TEST_DATABASE_URL $(BIN)/pytest tests/browser $(PYTEST_ARGS)

# The two suites at once: each keeps about one core busy, so on a 2-core machine both finish in
# little more than the time of one. Each suite's output is printed whole when it ends.
test: lint typecheck
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
