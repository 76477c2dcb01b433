"""The gold passages: person-name recall must stay at or above 0.95 on every set."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from combcoder.deidentify import Detector

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "data" / "deid_gold"


@functools.lru_cache(maxsize=1)
def _script():
    spec = importlib.util.spec_from_file_location("eval_deidentify", REPO / "scripts" / "eval_deidentify.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_markup_gives_exact_spans():
    text, spans = _script().parse_markup("P1: {PERSON:Sarah} went to {HOSPITAL:St Mary's} on {DATE:3 May}.")
    assert text == "P1: Sarah went to St Mary's on 3 May."
    assert [(text[s.start:s.end], s.type) for s in spans] == [
        ("Sarah", "PERSON"), ("St Mary's", "HOSPITAL"), ("3 May", "DATE")]
    with pytest.raises(ValueError, match="unknown entity type"):
        _script().parse_markup("{NAME:x}")


def test_gold_set_has_at_least_40_passages():
    passages = sum(len(_script().load_gold(GOLD / f"{name}.txt")) for name in ("passages", "heldout", "fresh"))
    assert len(_script().load_gold(GOLD / "passages.txt")) >= 40 and passages >= 90


@pytest.mark.parametrize("name", ["passages", "heldout", "fresh"])
def test_recall_and_precision(nlp, name):
    script = _script()
    passages, results, _ = script.run(GOLD / f"{name}.txt", Detector(nlp=nlp))
    report = script.score(passages, results)["by_type"]
    assert report["PERSON"]["recall"] >= 0.95
    assert report["ALL"]["recall"] >= 0.9
    assert report["ALL"]["precision"] >= 0.9
