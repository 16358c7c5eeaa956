# Set-up lives here so that a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/speechbot run

test: lint
	$(BIN)/python -m pytest -q

# Lint and types, as configured in pyproject.toml: ruff's rules and import order, ruff's format,
# mypy on bot/, tests/ and benchmarks/.
LINT_PATHS := bot tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

eval: $(STAMP)
	$(BIN)/speechbot eval ../shared/data/speech_qa_dev.jsonl --verbose

BENCH_STAMP := $(VENV)/.installed-bench
BENCH_SIZES ?= 10k

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

# Speed benchmark at a small size; the full run: make bench BENCH_SIZES=10k,100k,1M (see docs/performance.md)
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/speed.py --sizes $(BENCH_SIZES)

clean:
	rm -rf $(VENV) build *.egg-info
