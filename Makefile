# Yingji: the two commands a newcomer needs are `make run` and `make test`.
# Both set everything up first (virtualenv, pinned Python packages, npm packages,
# front-end assets, translations), so they work on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup assets messages browser lint typecheck check-migrations clean worker

$(VENV)/.deps: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Yingji needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

node_modules/.deps: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 与 npm（Node 18+）来构建前端资源 / Node.js with npm is required"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

yingji/static/vendor/.built: node_modules/.deps scripts/build_assets.mjs
	node scripts/build_assets.mjs
	@touch $@

assets: yingji/static/vendor/.built

# Compiled catalogues are committed; recompile when gettext is present so edits to .po take effect.
messages: $(VENV)/.deps
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules; fi

setup: $(VENV)/.deps assets messages

# Debian's Chromium drives the browser tests (Playwright never downloads its own browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --scale county --if-empty
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py run_platform --port $(PORT)

worker: setup
	$(PY) manage.py run_worker

check-migrations: $(VENV)/.deps
	$(PY) manage.py makemigrations --check --dry-run

lint: $(VENV)/.deps
	$(VENV)/bin/ruff check .

# mypy with django-stubs; files and strictness are in pyproject.toml ([tool.mypy]).
typecheck: $(VENV)/.deps
	$(VENV)/bin/mypy

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules yingji/static/vendor staticfiles var
