# `make demo` and `make test` do all set-up on a fresh machine: each creates .venv and installs the project.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench sim clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bybit-research demo

test: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

lint: $(STAMP)
	$(BIN)/ruff check bybit_research tests bench
	$(BIN)/ruff format --check bybit_research tests bench
	$(BIN)/mypy bybit_research bench
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/account.py
	$(BIN)/python bench/options_iv.py
	$(BIN)/python bench/margin_grid.py
	PYTHONPATH=. $(BIN)/python bench/plot_candles.py
	PYTHONPATH=. $(BIN)/python bench/history.py

sim: $(STAMP)
	$(BIN)/bybit-research sim

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
