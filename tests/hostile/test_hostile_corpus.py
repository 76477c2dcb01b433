"""Hostile files: each gives a specific InputError or a complete import, in bounded memory and time.

The readers run in a subprocess (tests/hostile/run_hostile.py) that measures peak memory with
tracemalloc per file and the process's peak resident size; a reader that crashes, hangs or
raises anything but InputError fails here with the file's name.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "hostile"
RUNNER = Path(__file__).with_name("run_hostile.py")
MEMORY_LIMIT_MB = 512


def _script():
    spec = importlib.util.spec_from_file_location("make_hostile_corpus", REPO / "scripts" / "make_hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()
SMALL = sorted(SCRIPT.CORPUS)
LARGE = sorted(SCRIPT.LARGE)


def _run(*folders: Path) -> dict:
    done = subprocess.run([sys.executable, str(RUNNER), *map(str, folders)], capture_output=True, text=True,
                          timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def small_run() -> dict:
    return _run(CORPUS)


@pytest.fixture(scope="module")
def large_run(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("hostile-large")
    expected = SCRIPT.write_large(folder)
    (folder / "EXPECTED.json").write_text(json.dumps(expected), encoding="utf-8")
    return _run(folder)


def check(name: str, expectation: dict, result: dict) -> None:
    summary = {k: v for k, v in result.items() if k != "text"}
    if "error" in expectation:
        assert result["outcome"] == "error", f"{name}: expected an InputError, got {summary}"
        assert re.search(expectation["error"], result["message"]), f"{name}: {result['message']}"
        assert name in result["message"], f"{name}: the error must name the file: {result['message']}"
        return
    assert result["outcome"] == "ok", f"{name}: expected a complete import, got {summary}"
    for snippet in expectation.get("contains", []):
        assert snippet in result["text"], f"{name}: lost {snippet!r}"
    if expectation["reader"] == "document":
        assert result["units_read"] == expectation["units_read"], f"{name}: {summary}"
        assert result["bad_turns"] == [], f"{name}: turns with bad offsets {result['bad_turns']}"
        if "starts" in expectation:
            assert result["text"].startswith(expectation["starts"])
    if expectation["reader"] == "qdpx":
        for key in ("documents", "annotations", "codings_read"):
            assert result[key] == expectation[key], f"{name}: {summary}"
        assert result["buckets"] == result["codings_read"], f"{name}: codings not accounted for"
    if "warning" in expectation:
        assert any(re.search(expectation["warning"], w) for w in result["warnings"]), f"{name}: {result['warnings']}"


def test_corpus_is_large_enough():
    assert len(SMALL) + len(LARGE) >= 60
    assert {name.rsplit(".", 1)[1] for name in SMALL} >= {"txt", "md", "docx", "vtt", "srt", "csv", "jsonl", "qdpx"}


def test_committed_files_are_what_the_script_writes(tmp_path):
    SCRIPT.write_small(tmp_path)
    committed = sorted(p.name for p in CORPUS.iterdir())
    assert committed == sorted(p.name for p in tmp_path.iterdir()), "run scripts/make_hostile_corpus.py"
    for name in committed:
        assert (CORPUS / name).read_bytes() == (tmp_path / name).read_bytes(), f"{name} is stale"


@pytest.mark.parametrize("name", SMALL)
def test_small_file(name, small_run):
    check(name, SCRIPT.CORPUS[name][1], small_run["results"][name])


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE)
def test_large_file(name, large_run):
    check(name, SCRIPT.LARGE[name][1], large_run["results"][name])


@pytest.mark.slow
def test_memory_stays_under_512_mb(small_run, large_run):
    for run in (small_run, large_run):
        assert run["max_rss_mb"] < MEMORY_LIMIT_MB
        worst = max(run["results"].items(), key=lambda item: item[1]["peak_mb"])
        assert worst[1]["peak_mb"] < MEMORY_LIMIT_MB, worst

