# Set-up lives here so that a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint lint-partial install eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/speechbot run

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Lint and types, as configured in pyproject.toml: ruff's rules and import order, ruff's format,
# mypy on bot/, tests/ and benchmarks/.
LINT_PATHS := bot tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# `make lint` without the files the index and quality branches are changing (their own pass
# cleans them once they are merged; then this target goes and `test` runs `lint`): bot/search/
# but tokenize.py, bot/answer/, four front-end files, their benchmarks and tests. mypy still
# reads those files for the types they give; it reports only on the files it is given.
LINT_PENDING := \
	bot/search/% bot/answer/% bot/frontends/plain.py bot/frontends/answer_view.py \
	bot/frontends/terminal.py bot/frontends/telegram/render.py bot/frontends/telegram/questions.py \
	benchmarks/speed.py benchmarks/_speed_%.py benchmarks/latency_ab.py benchmarks/quality.py \
	tests/search/% tests/quality/% tests/test_bm25.py tests/test_passage_table.py \
	tests/test_engine.py tests/telegram/test_telegram_confidence.py \
	tests/reliability/test_reloads.py tests/library/test_library_segments.py
LINT_FILES = $(sort bot/search/tokenize.py $(filter-out $(LINT_PENDING),\
	$(shell find $(LINT_PATHS) -name '*.py' -not -path '*/__pycache__/*' -not -path 'benchmarks/out/*')))

lint-partial: $(STAMP)
	$(BIN)/ruff check $(LINT_FILES)
	$(BIN)/ruff format --check $(LINT_FILES)
	$(BIN)/mypy --follow-imports=silent $(LINT_FILES)

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
