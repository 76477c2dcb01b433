"""End to end with the real default model (built by `make model`, which `make test` runs first)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from combcoder.registry import promoted_version

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(promoted_version(MODELS) is None, reason="no default model: run `make model`"),
]


def _metrics() -> dict:
    return json.loads((MODELS / promoted_version(MODELS) / "metrics.json").read_text())


def test_fine_tuned_model_beats_both_baselines_on_test():
    metrics = _metrics()
    f1 = {name: metrics[name]["test"]["domain_macro_f1"] for name in ("prototype", "logreg", "finetuned")}
    assert f1["finetuned"] > f1["logreg"] > f1["prototype"]


def test_calibration_does_not_hurt():
    test = _metrics()["finetuned"]["test"]
    assert test["domain_ece"] <= test["domain_ece_uncalibrated"]


def test_demo_transcript_agrees_with_the_gold_coding(tmp_path, monkeypatch):
    """The README's main job on one demo transcript, then model-vs-gold agreement."""
    monkeypatch.delenv("COMBCODER_MODELS", raising=False)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "combcoder", "code", "data/demo/patients_fg.txt", "-o", str(out)],
                         capture_output=True, text=True, cwd=REPO, timeout=900)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "combcoder", "agree", f"model={out / 'utterances.jsonl'}",
                          "gold=data/demo/gold/patients_fg.jsonl", "--json", "--n-boot", "200"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    # every gold unit exists in the model's output (same segmentation, same ids)
    assert result["pairs"][0]["n_units"] == 139
    kappa = result["pairs"][0]["cohen_kappa"]["value"]
    assert kappa > 0.2, result["pairs"][0]
