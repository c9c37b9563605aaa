# The two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := platform/miniapps/static/vendor
ASSETS := $(VENDOR)/.built
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint typecheck format install assets browser db demo clean bench

run: install assets db demo ## set up everything, load the demo, serve on http://127.0.0.1:5000
	@# The scheduler (outbox, reminders) runs beside the web server and stops with it.
	$(BIN)/miniapps scheduler & SCHED=$$!; \
	trap 'kill $$SCHED 2>/dev/null; wait $$SCHED' EXIT; \
	$(BIN)/miniapps serve --host $(HOST) --port $(PORT)

test: install assets browser ## everything needed, then the full suite
	$(BIN)/python -m pytest
	node --test tests/js/

lint: install typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy, configured in pyproject.toml; its cache (.mypy_cache) keeps reruns quick.
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error

assets: $(ASSETS)

# NHS.UK frontend and Chart.js from npm, served locally: no CDN at run time.
$(ASSETS): node_modules/.package-lock.json Makefile
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/nhsuk $(VENDOR)/chartjs
	# The NHS webfont (Frutiger) is licensed and served only from assets.nhs.uk: drop its
	# @font-face rules so nothing loads from another site; the design system falls back to Arial.
	sed -E 's#@font-face\{[^}]*assets\.nhs\.uk[^}]*\}##g' \
	  node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css > $(VENDOR)/nhsuk/nhsuk-frontend.min.css
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js $(VENDOR)/nhsuk/
	cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets/. $(VENDOR)/nhsuk/assets/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chartjs/
	touch $@

# Browser tests drive Debian's chromium; never a downloaded browser.
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

db: install
	$(BIN)/miniapps db upgrade

demo: install
	$(BIN)/miniapps demo load

# National-scale dashboard figures on SQLite and PostgreSQL (about 5 minutes on 2 cores); see benchmarks/.
bench: install
	$(BIN)/python benchmarks/dashboard_bench.py --db sqlite --generic 1000000
	$(BIN)/python benchmarks/dashboard_bench.py --db postgresql --generic 1000000

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache .mypy_cache
