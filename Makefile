# The README's two commands: `make run` (set-up + the main job on the embedded default) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench bench-parse bench-match bench-credit bench-ageing clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The main job on the embedded default: SQLite under var/, the bundled customers, invoices and sample
# statements (copied into the inbox, so the job's moves never touch the fixtures), no network.
run: setup
	$(BIN)/gateway db upgrade
	$(BIN)/gateway customers import fixtures/ledger/customers.csv
	$(BIN)/gateway invoices import fixtures/ledger/invoices.csv
	$(BIN)/gateway contacts import fixtures/ledger/contacts.csv
	mkdir -p var/inbox
	cp fixtures/inbox/* var/inbox/
	$(BIN)/gateway run --once

lint: setup
	$(BIN)/ruff check gateway adapters tests bench

test: lint
	$(BIN)/pytest -q -n 2

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench-parse: $(VENV)/.bench-installed
	$(BIN)/python -m bench.parse --clock cpu

bench-match: $(VENV)/.bench-installed
	$(BIN)/python -m bench.match.generate --out bench/out/match
	$(BIN)/python -m bench.match.score bench/out/match

bench-credit: $(VENV)/.bench-installed
	$(BIN)/python -m bench.credit_checks --workers 1 --concurrency 8

bench-ageing: $(VENV)/.bench-installed
	$(BIN)/python -m bench.desk.ageing --invoices 1000000 --customers 50000

bench: bench-parse bench-match bench-credit

clean:
	rm -rf var bench/out .pytest_cache
