# Two commands: `make run` (set up, migrate, seed, serve) and `make test` (set up, lint, test).
# Every step is a file target, so a second run reinstalls nothing.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_SHOP_PORT ?= 5001
export FLASK_APP := wsgi

.PHONY: run setup test lint db seed browser-deps php-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3

$(VENV)/.runtime-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.runtime-deps
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

app/static/vendor/socket.io.min.js: node_modules/.package-lock.json
	mkdir -p app/static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js app/static/vendor/socket.io.min.js

app/static/vendor/axe.min.js: node_modules/.package-lock.json
	mkdir -p app/static/vendor
	cp node_modules/axe-core/axe.min.js app/static/vendor/axe.min.js

app/static/vendor/chart.umd.min.js: node_modules/.package-lock.json
	mkdir -p app/static/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js app/static/vendor/chart.umd.min.js

setup: $(VENV)/.runtime-deps app/static/vendor/socket.io.min.js app/static/vendor/chart.umd.min.js
	mkdir -p instance

db: setup
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask helpdesk seed-demo

# One gunicorn process serves the helpdesk on PORT and the demo shop on DEMO_SHOP_PORT (a second
# origin, allowed to send widget events): demo_shop/gunicorn.conf.py and demo_shop/serve.py.
run: seed
	@echo ""
	@echo "  Helpdesk console: http://127.0.0.1:$(PORT)/console"
	@echo "  Help center:      http://127.0.0.1:$(PORT)/help"
	@echo "  Sign in as admin@demo.shop / demo-admin-password"
	@echo ""
	@echo "  Demo shop:        http://127.0.0.1:$(DEMO_SHOP_PORT)/  (embeds /widget.js from the helpdesk)"
	@echo "  In the shop, sign in as any demo customer (Mia, Omar or Lena; no password)."
	@echo ""
	PORT=$(PORT) DEMO_SHOP_PORT=$(DEMO_SHOP_PORT) $(BIN)/gunicorn -c demo_shop/gunicorn.conf.py

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) to run the browser tests" >&2; exit 1; fi; }

# Debian's php-cli runs the WordPress plugin's tests (integrations/woocommerce/).
php-deps:
	@command -v php >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli >/dev/null; \
	  else echo "Install Debian's php-cli package (sudo apt-get install php-cli) to run the plugin's tests" >&2; exit 1; fi; }

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .

test: setup $(VENV)/.dev-deps app/static/vendor/axe.min.js browser-deps php-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) node_modules app/static/vendor .pytest_cache .ruff_cache
