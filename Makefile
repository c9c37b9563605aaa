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
# make run's local SMTP catcher: the scheduler delivers to it, each message kept as a .eml file.
MAIL_PORT ?= 1025
MAIL_DIR ?= instance/mail

.PHONY: run test lint typecheck format install assets browser db demo clean bench

# Links in emails and the printed sign-in address follow HOST and PORT, for the demo, the
# scheduler and the web server alike (an exported MINIAPPS_BASE_URL wins).
run demo: export MINIAPPS_BASE_URL ?= http://$(HOST):$(PORT)

run: install assets db demo ## set up everything, load the demo, serve on http://$(HOST):$(PORT)
	@# The mail catcher and the scheduler (outbox, reminders) run beside the web server and stop with it.
	@$(BIN)/miniapps mail catch --port $(MAIL_PORT) --dir $(MAIL_DIR) & MAIL=$$!; \
	MINIAPPS_SMTP_HOST=127.0.0.1 MINIAPPS_SMTP_PORT=$(MAIL_PORT) MINIAPPS_SMTP_STARTTLS=false \
	  $(BIN)/miniapps scheduler & SCHED=$$!; \
	trap 'kill $$SCHED $$MAIL 2>/dev/null; wait $$SCHED $$MAIL' EXIT; \
	echo; \
	echo "Sign in at $$MINIAPPS_BASE_URL (demo logins above, password demo-password-2025)"; \
	echo "Emails: $$MINIAPPS_BASE_URL/admin/outbox (sign in as the admin, admin@demo.miniapps.nhs.uk)"; \
	echo "        and each message as delivered in $(MAIL_DIR)/ (SMTP on 127.0.0.1:$(MAIL_PORT))"; \
	echo; \
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
	$(BIN)/python -m pip install --quiet -e '.[dev,test]'
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

# Every benchmark on SQLite and PostgreSQL, each printing its figures and its ratio against
# its target (benchmarks/README.md). Bulk sizes make this long on 2 cores (over an hour):
# the national dashboards, imports of 20k/100k/1M rows, exports of 150k records x 50 and
# 500 fields, submits against a bare Flask insert, dashboards against their floor at 20k
# and 1M, the inbox's latency, the record check and one pattern check per row, compliance,
# the inspection pack and the loopback load test.
bench: install
	$(BIN)/python benchmarks/dashboard_bench.py --db sqlite --generic 1000000
	$(BIN)/python benchmarks/dashboard_bench.py --db postgresql --generic 1000000
	$(BIN)/python benchmarks/inbox_latency.py
	$(BIN)/python benchmarks/check_bench.py --rows 20000
	$(BIN)/python benchmarks/check_bench.py --rows 20000 --width 100
	$(BIN)/python benchmarks/pattern_bench.py
	for db in sqlite postgresql; do \
	  $(BIN)/python benchmarks/import_bench.py --db $$db --rows 20000,100000,1000000 || exit 1; \
	  $(BIN)/python benchmarks/export_bench.py --db $$db || exit 1; \
	  $(BIN)/python benchmarks/submit_bench.py --db $$db || exit 1; \
	  for n in 20000 1000000; do \
	    $(BIN)/python benchmarks/dashboard_floor_bench.py --db $$db --records $$n || exit 1; done; \
	  $(BIN)/python benchmarks/load_test.py --db $$db || exit 1; \
	  $(BIN)/python benchmarks/compliance_bench.py --db $$db || exit 1; \
	  $(BIN)/python benchmarks/evidence_pack_bench.py --db $$db || exit 1; \
	done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache .mypy_cache
