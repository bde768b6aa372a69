# The two commands of the quick start. Each prepares what it needs first (virtualenv, Debian packages).
.PHONY: run test lint format

run:
	@scripts/bootstrap.sh run
	.venv/bin/insure run

test:
	@scripts/bootstrap.sh test
	.venv/bin/pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
