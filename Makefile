# Two commands for a user: `make serve` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:
	@echo "make serve   start Odoo 18 on :8069 with the four addons and demo data (database: $${SERVE_DB:-logistics})"
	@echo "make test    run every test on a throw-away database and print 'N passed, M failed'"
	@echo "make bench   run the benchmarks (multi-worker Odoo) and print their figures"
	@echo "make lint    ruff and pylint-odoo's mandatory checks (as pre-commit runs them)"
	@echo "make venv    (re)create the virtualenv from requirements.txt"

venv:
	@scripts/make_venv.sh

serve:
	@scripts/serve.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh

lint: venv
	@.venv/bin/pre-commit run --all-files

.PHONY: help venv serve test bench lint
