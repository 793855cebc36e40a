# The two commands of the README's Quick start: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test setup system-deps bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# axe-core from the npm registry, at the version and integrity pinned in tests/e2e/package-lock.json:
# the browser tests inject it into every page (without npm they say so and skip that check).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser tests will skip the axe-core check"; fi

setup: $(BIN)/.installed $(AXE)

# The Debian packages the browser tests need (chromium, fonts-noto-cjk): installed when root.
system-deps:
	./scripts/system-deps

# Sets up, creates the SQLite database, loads the demo city and serves it on http://127.0.0.1:5000
demo: setup
	$(BIN)/wenping-sched init-db
	$(BIN)/wenping-sched demo-data
	$(BIN)/wenping-sched run --host 127.0.0.1 --port 5000

# Sets up and runs every check CI runs: ruff, mypy, pytest (SQLite; PostgreSQL too when
# WENPING_TEST_DATABASE_URL is set).
test: setup system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

# Every benchmark, each printing its ratios to a baseline measured in the same run.
bench: setup
	$(BIN)/python -m bench.panels
	$(BIN)/python -m bench.meetings
	$(BIN)/python -m bench.panel_requests
	$(BIN)/python -m bench.one_draw
	$(BIN)/python -m bench.invitations
	$(BIN)/python -m bench.load
