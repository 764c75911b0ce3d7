# 社会救助监督看板 — two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DEMO   := data/demo.sqlite
GENERATOR := $(wildcard data/*.py) queries/schema.py data/geo/xiamen_townships.csv

.PHONY: setup run test demo-db bench ddl clean hash-password screenshots browser briefing serve nginx

COOKIE_KEY := .local/cookie.key

setup: $(STAMP) $(DEMO) $(COOKIE_KEY) browser

# Debian's Chromium and a CJK font for the end-to-end tests and screenshots (Playwright
# drives it; it downloads no browser of its own). Installed only when missing and when we
# may (root); otherwise the end-to-end tests say they skip, except in CI where they fail.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium and fonts-wqy-microhei (apt-get)"; \
	  apt-get install -y -q chromium fonts-wqy-microhei >/dev/null || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; }; \
	else echo "chromium missing: as root run 'apt-get install -y chromium fonts-wqy-microhei' for the end-to-end tests"; fi

nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing nginx (apt-get)"; \
	  apt-get install -y -q nginx >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q nginx >/dev/null; }; \
	else echo "nginx missing: as root run 'apt-get install -y nginx' for make serve and its tests"; fi

# nginx (TLS, headers, sticky sessions) in front of WORKERS app processes: deploy/serve.py
WORKERS ?= 3
serve: setup nginx
	$(BIN)/python -m deploy.serve --workers $(WORKERS)

# the demo's sign-in cookie key: random, local, never committed (.local/ is ignored)
$(COOKIE_KEY):
	mkdir -p .local && umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-* && touch $@

# rebuilt when the generator changes, so the demo always matches its manifest
$(DEMO): $(GENERATOR) | $(STAMP)
	$(BIN)/python -m data.generate

run: setup
	OVERSIGHT_COOKIE_KEY="$${OVERSIGHT_COOKIE_KEY:-$$(cat $(COOKIE_KEY))}" \
	  $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501

test: setup nginx
	$(BIN)/python -m pytest

demo-db: $(STAMP)
	$(BIN)/python -m data.generate

bench: setup
	$(BIN)/python -m bench.run

hash-password: $(STAMP)
	$(BIN)/python -m ui.hash_password

# full-page PNGs into screenshots/ (Debian's chromium, a fresh server, the demo database):
# 总览 and 应保尽保 for the city, 同安区 and 汀溪镇 at 1440×900 and 1920×1080, the other pages
# for the city and 同安区, the sign-in form. Options: make screenshots SHOTS="--user leader"
# (--pages, --sizes, --user, --out: python -m e2e.screenshots --help)
screenshots: setup
	$(BIN)/python -m e2e.screenshots $(SHOTS)

# 季度简报 without a browser: make briefing PERIOD=2026Q3 [SCOPE=350200] OUT=简报/2026Q3.docx
PERIOD ?= $(shell date +%Y)Q1
OUT ?= 简报/$(PERIOD).docx
briefing: $(STAMP) $(DEMO)
	$(BIN)/python -m briefing --period $(PERIOD) $(if $(SCOPE),--scope $(SCOPE)) --out "$(OUT)"

ddl: $(STAMP)
	$(BIN)/python -m queries.schema --dialect postgresql --accounts

clean:
	rm -rf $(VENV) data/*.sqlite data/*.manifest.json bench/cache
