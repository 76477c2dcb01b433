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


def _recode_errors(folder: Path, gold: list[tuple], coder: list[tuple]) -> list[str]:
    """Write a gold and a coder file of (id, domain, polarity) rows; return check_recode's errors."""
    for name, rows in (("polarity_gold.jsonl", gold), ("polarity_coder1.jsonl", coder)):
        (folder / name).write_text(
            "".join(json.dumps(dict(zip(("id", "domain", "polarity"), r))) + "\n" for r in rows), encoding="utf-8")
    errors: list[str] = []
    _check_data().check_recode(folder, SEED, errors)
    return errors


def test_consistent_recode_files_pass(tmp_path):
    errors = _recode_errors(tmp_path,
                            gold=[("a", "opportunity.social", "facilitator"), ("b", "motivation.reflective", "barrier")],
                            coder=[("a", "opportunity.social", "barrier"), ("b", "motivation.reflective", "barrier")])
    assert errors == []


def test_recode_errors_name_file_line_and_problem(tmp_path):
    errors = _recode_errors(tmp_path,
                            gold=[("a", "opportunity.social", "barrier"), ("c", "motivation.reflective", "barrier")],
                            coder=[("a", "motivation.reflective", "barrier"), ("b", "motivation.reflective", "neutral")])
    text = "\n".join(errors)
    assert "polarity_gold.jsonl:1: gold polarity 'barrier', the seed says 'facilitator'" in text
    assert "polarity_gold.jsonl:2: 'c' is not a coded seed test record" in text
    assert "polarity_coder1.jsonl:1: domain 'motivation.reflective', the seed says 'opportunity.social'" in text
    assert "polarity_coder1.jsonl:2: polarity 'neutral' is not barrier or facilitator" in text
    assert "do not code the same records" in text
    assert len(errors) == 5


def test_unreadable_recode_line_is_reported_with_file_and_line(tmp_path):
    (tmp_path / "polarity_coder2.jsonl").write_text('{"id": "a"}\n{not json\n', encoding="utf-8")
    errors = _recode_errors(tmp_path, gold=[("a", "opportunity.social", "facilitator")],
                            coder=[("a", "opportunity.social", "facilitator")])
    assert len(errors) == 1 and "polarity_coder2.jsonl, line 2: invalid JSON" in errors[0]
