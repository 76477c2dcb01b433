# combcoder: `make demo` sets everything up and codes the demo transcripts; `make test` runs the suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install model demo test bench check-data clean-models help

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

model: install
	$(BIN)/combcoder train --only-if-missing --promote

demo: model
	$(BIN)/combcoder code --manifest data/demo/manifest.yaml -o out/demo data/demo
	@echo "coded utterances: out/demo/utterances.jsonl and out/demo/suggestions.csv"

check-data: install
	$(BIN)/python scripts/check_data.py --strict

test: install check-data
	$(BIN)/python -m pytest

bench: model
	$(BIN)/python scripts/bench_classify.py

clean-models:
	rm -rf models/*/ models/PROMOTED
