# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export BOARD_PORT ?= 5000
# One pytest-xdist worker per core; a test module stays on one worker (its servers start once).
PYTEST_WORKERS ?= -n auto --dist loadscope

.PHONY: run test setup setup-dev migrate demo serve lint format bench browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime  ## the virtual environment with the pinned runtime dependencies

setup-dev: $(VENV)/.dev  ## plus the pinned test tools

migrate: setup
	$(BIN)/alembic upgrade head

demo: migrate
	$(BIN)/flask --app app demo

serve: migrate
	$(BIN)/python app.py

## make run: set everything up, load the demo on first run, serve http://127.0.0.1:$BOARD_PORT
run: demo
	@echo "The board is at http://$${BOARD_HOST:-127.0.0.1}:$(BOARD_PORT) (Ctrl-C stops it)."
	$(BIN)/python app.py

## browser-deps: Debian's Chromium for the browser tests (needs root or sudo; skipped if present)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; } \
	  || echo "Chromium could not be installed: the browser tests will be skipped."

## make test: set up what the tests need and run the whole suite
test: setup-dev browser-deps
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check board models tests bench app.py

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format board models tests bench app.py

bench: setup-dev
	$(BIN)/python -m bench.fanout

clean:
	rm -rf $(VENV) .pytest_cache
