# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export BOARD_PORT ?= 5000
# One pytest-xdist worker per core; a test module stays on one worker (its servers start once).
# Modules go out longest first (tests/conftest.py orders them), not xdist's most-tests-first.
PYTEST_WORKERS ?= -n auto --dist loadscope --no-loadscope-reorder

.PHONY: run test setup setup-dev migrate demo serve lint format bench bench-lists test-deps clean messages translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime translations  ## the virtual environment with the pinned runtime dependencies

## Translations (README: "Translations"): catalogs are compiled whenever their .po changed.
# Besides _/gettext/ngettext/pgettext/N_, these calls carry an English sentence to translate.
BABEL_KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k FieldMessage \
	-k BoardError -k Invalid -k NotFound -k Denied -k Conflict -k Unauthenticated -k TooManyRequests \
	-k plural_forms:1,2
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)

translations: $(CATALOGS:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.runtime
	$(BIN)/pybabel compile -d translations -l $* -i $< -o $@ >/dev/null

## make messages: extract every marked sentence into messages.pot and merge it into each .po
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-output --add-location=file \
	  --project "Task-force board" --copyright-holder "the task-force board's authors" \
	  --msgid-bugs-address "" -c "Translators:" -o translations/messages.pot .
	@# no dates and line numbers: two branches that add sentences merge without conflicts
	sed -i '/^"POT-Creation-Date: /d' translations/messages.pot
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 100 \
	  --no-fuzzy-matching --ignore-pot-creation-date --ignore-obsolete
	sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d' translations/*/LC_MESSAGES/messages.po

setup-dev: $(VENV)/.dev  ## plus the pinned test tools

migrate: setup
	$(BIN)/alembic upgrade head

# DEMO_LANGUAGE=de: the demo's story in German (only an empty database is filled)
DEMO_LANGUAGE ?= en
demo: migrate
	$(BIN)/flask --app app demo --language $(DEMO_LANGUAGE)

serve: migrate
	$(BIN)/python app.py

## make run: set everything up, load the demo on first run, serve http://127.0.0.1:$BOARD_PORT
run: demo
	@echo "The board is at http://$${BOARD_HOST:-127.0.0.1}:$(BOARD_PORT) (Ctrl-C stops it)."
	$(BIN)/python app.py

## test-deps: what the tests run besides Python, from Debian's packages, each only when it is
## missing (needs root or sudo): Chromium for the browser tests; nginx, openssl and systemd's
## systemd-analyze for the checks of docs/deploy/ (tests/test_deploy_nginx.py). A server apt
## starts is stopped again: the tests start their own nginx on free ports.
TEST_TOOLS := chromium:chromium nginx:nginx openssl:openssl systemd-analyze:systemd
test-deps:
	@PATH="$$PATH:/usr/sbin:/sbin"; \
	missing=$$(for tool in $(TEST_TOOLS); do \
	  command -v $${tool%%:*} >/dev/null 2>&1 || printf '%s ' $${tool#*:}; done); \
	[ -z "$$missing" ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing \
	  && { case " $$missing" in *" nginx "*) $$SUDO systemctl disable --now nginx 2>/dev/null \
	         || $$SUDO /usr/sbin/nginx -s quit 2>/dev/null; esac; true; }; \
	} || echo "Could not install $$missing: the tests that need them will be skipped."

## make test: set up what the tests need and run the whole suite
test: setup-dev translations test-deps
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check board models tests bench app.py

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format board models tests bench app.py

bench: setup-dev
	$(BIN)/python -m bench.fanout

bench-lists: setup-dev  ## the first page of ideas at 1,000 and 10,000 ideas against a bare floor
	$(BIN)/python -m bench.lists

clean:
	rm -rf $(VENV) .pytest_cache
