# combcoder: `make demo` sets everything up and codes the demo transcripts; `make test` runs the suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install browser model demo test bench check-data fuzz clean-models help

help:
	@echo "make demo   - set up .venv, build the default model if missing, code the demo transcripts"
	@echo "make test   - run the test suite (and the seed-data checks)"
	@echo "make model  - build the default model from the seed corpus if none is promoted"
	@echo "make bench  - run the benchmarks in scripts/"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The review page's browser test drives Debian's chromium (Playwright's own download does not work offline).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

model: install
	$(BIN)/combcoder train --only-if-missing --promote

demo: model
	$(BIN)/combcoder code --manifest data/demo/manifest.yaml -o out/demo
	$(BIN)/combcoder report out/demo/utterances.jsonl -o out/demo/report.html -o out/demo/report.md \
		--title "COM-B barriers and facilitators: demo focus groups"
	$(BIN)/combcoder agree model=out/demo/utterances.jsonl gold=data/demo/gold/patients_fg.jsonl --field domain
	@echo "see out/demo/: utterances.jsonl, suggestions.csv, report.html"

check-data: install
	$(BIN)/python scripts/check_data.py --strict

test: install browser model check-data
	$(BIN)/python -m pytest

bench: model
	$(BIN)/python scripts/bench_classify.py
	$(BIN)/python scripts/bench_batch.py
	$(BIN)/python scripts/bench_review.py

fuzz: install
	$(BIN)/pip install -q -e '.[fuzz]'
	$(BIN)/python scripts/fuzz_readers.py -max_total_time=120 -rss_limit_mb=2048 tests/data/hostile

clean-models:
	rm -rf models/*/ models/PROMOTED
