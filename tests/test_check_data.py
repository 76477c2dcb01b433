"""scripts/check_data.py's check of the blind second coding (data/recode)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _check_data():
    spec = importlib.util.spec_from_file_location("check_data", REPO / "scripts" / "check_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEED = [
    {"id": "a", "domain": "opportunity.social", "polarity": "facilitator", "split": "test"},
    {"id": "b", "domain": "motivation.reflective", "polarity": "barrier", "split": "test"},
    {"id": "c", "domain": "motivation.reflective", "polarity": "barrier", "split": "train"},
]


def _write(folder: Path, name: str, rows: list[dict]) -> None:
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_consistent_recode_files_pass(tmp_path):
    _write(tmp_path, "polarity_gold.jsonl", [{"id": "a", "domain": "opportunity.social", "polarity": "facilitator"},
                                            {"id": "b", "domain": "motivation.reflective", "polarity": "barrier"}])
    _write(tmp_path, "polarity_coder1.jsonl", [{"id": "a", "domain": "opportunity.social", "polarity": "barrier"},
                                              {"id": "b", "domain": "motivation.reflective", "polarity": "barrier"}])
    errors: list[str] = []
    _check_data().check_recode(tmp_path, SEED, errors)
    assert errors == []


def test_recode_errors_name_file_line_and_problem(tmp_path):
    _write(tmp_path, "polarity_gold.jsonl", [{"id": "a", "domain": "opportunity.social", "polarity": "barrier"},
                                            {"id": "c", "domain": "motivation.reflective", "polarity": "barrier"}])
    _write(tmp_path, "polarity_coder1.jsonl", [{"id": "a", "domain": "motivation.reflective", "polarity": "barrier"},
                                              {"id": "b", "domain": "motivation.reflective", "polarity": "neutral"}])
    errors: list[str] = []
    _check_data().check_recode(tmp_path, SEED, errors)
    text = "\n".join(errors)
    assert "polarity_gold.jsonl:1: gold polarity 'barrier', the seed says 'facilitator'" in text
    assert "polarity_gold.jsonl:2: 'c' is not a coded seed test record" in text
    assert "polarity_coder1.jsonl:1: domain 'motivation.reflective', the seed says 'opportunity.social'" in text
    assert "polarity_coder1.jsonl:2: polarity 'neutral' is not barrier or facilitator" in text
    assert "do not code the same records" in text
    assert len(errors) == 5
