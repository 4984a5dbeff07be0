# Two commands for a user: `make serve` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:
	@echo "make serve   start Odoo 18 on :8069 with the four addons and demo data (database: $${SERVE_DB:-logistics})"
	@echo "make test    run every test on a throw-away database and print 'N passed, M failed'"
	@echo "make bench   run the benchmarks (multi-worker Odoo) and print their figures"
	@echo "make soak    ten minutes (SOAK_SECONDS) of mixed traffic and bad inputs against a multi-worker Odoo with crons, then checks"
	@echo "make lint    ruff, pylint-odoo, the OCA module and .po checks and prettier for XML (as pre-commit runs them)"
	@echo "make venv    (re)create the virtualenv from requirements.txt"

venv:
	@scripts/make_venv.sh

serve:
	@scripts/serve.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh

soak:
	@scripts/soak.sh

# prettier (XML) from npm, pinned in package.json / package-lock.json, into ./node_modules
# (ignored by git): installed once, again only when the lock file changes.
node_modules/.package-lock.json: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error

lint: venv node_modules/.package-lock.json
	@.venv/bin/pre-commit run --all-files

.PHONY: help venv serve test bench soak lint
