"""The command line as a user runs it: help everywhere, the main job end to end, clear errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from combcoder.cli import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _commands(group: typer.Typer, prefix=()):
    import typer.main

    click_group = typer.main.get_command(group)

    def walk(command, path):
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, path + (name,))

    yield from walk(click_group, prefix)


@pytest.mark.parametrize("path", list(_commands(app)), ids=lambda p: " ".join(p) or "combcoder")
def test_every_command_has_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    # a one-line description, not just the usage line
    assert len(result.output.strip().splitlines()) > 3


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "combcoder", *args], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, **(env or {})}, timeout=600,
    )


def test_code_end_to_end_on_demo_corpus(models_root, tmp_path):
    """The main job as the README runs it, with the fixture model as the promoted model."""
    out = tmp_path / "out"
    result = _run("code", "--manifest", "data/demo/manifest.yaml", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (out / "utterances.jsonl").read_text().splitlines()]
    assert {r["doc_id"] for r in rows} == {"patients_fg", "family_fg", "primary_care_fg", "hospital_fg"}
    assert {r["group"] for r in rows} >= {"patients", "family members"}
    coded = [r for r in rows if r["codable"]]
    assert coded and all(r["domain"] and len(r["suggestions"]) == 3 for r in coded)
    # every group's participants are coded (labels like "Anna (daughter):" are speakers)
    assert {r["group"] for r in coded} == {"patients", "family members", "primary care professionals",
                                           "hospital cardiac care professionals"}
    assert all(r["domain"] is None for r in rows if not r["codable"])
    assert any(r["skip_reason"] == "interviewer" for r in rows)
    with open(out / "suggestions.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(rows)
    # the summary accounts for everything read
    assert f"-> {len(rows)} utterances" in result.stdout
    assert "4 documents" in result.stdout


def test_code_reports_a_bad_file_and_codes_the_rest(models_root, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Moderator: How is it going?\nP1: I can't manage the stairs.\n")
    (corpus / "empty.txt").write_text("   \n")
    result = _run("code", str(corpus), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "empty.txt" in result.stderr and "Traceback" not in result.stderr
    assert "1 documents" in result.stdout


def test_classify_jsonl(models_root, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "My wife does all the tablets, I would be lost."}\n'
                      '{"id": "b", "text": "Right, shall we start?"}\n')
    result = _run("classify", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert {"domain", "domain_score", "polarity", "polarity_score", "suggestions", "model"} <= set(rows[0])


@pytest.mark.parametrize("line2, reason", [
    (b'{"id": "b", "text": ', "invalid JSON"),
    (b'{"id": "b", "text": "caf\xe9 au lait"}', "not UTF-8"),
    (b'["b", "a list, not an object"]', "expected a JSON object"),
], ids=["truncated", "latin-1", "not-an-object"])
def test_classify_bad_line_names_file_and_line(models_root, tmp_path, line2, reason):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "a", "text": "fine"}\n' + line2 + b"\n")
    result = _run("classify", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    assert "in.jsonl, line 2" in result.stderr and reason in result.stderr and "Traceback" not in result.stderr


def test_classify_without_a_model_says_how_to_get_one(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "fine"}\n')
    result = _run("classify", str(source), "-o", str(tmp_path / "o.jsonl"), env={"COMBCODER_MODELS": str(tmp_path)})
    assert result.returncode == 2
    assert "make model" in result.stderr and "Traceback" not in result.stderr


def test_segment_prints_utterances(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("INT: Tell me about the weighing.\nP1: Every morning. After the loo. Before tea.\n")
    result = _run("segment", str(path), "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["speaker"] for r in rows] == ["INT", "P1"]
    text = path.read_text()
    assert all(text[r["start"]:r["end"]] == r["text"] for r in rows)


@pytest.mark.slow
def test_train_through_the_cli_is_deterministic(fixture_data, fixture_registry, tmp_path):
    """Training via the CLI with the fixture's settings reproduces the fixture model's weights."""
    from safetensors.numpy import load_file

    config = tmp_path / "tiny.yaml"
    config.write_text(
        f"data: {{seed: {fixture_data}, ood: null}}\n"
        "finetune: {epochs: 1, batch_size: 16, max_seq_length: 48, head_learning_rate: 0.01}\n"
    )
    root = tmp_path / "models"
    result = _run("train", "--config", str(config), "--promote", env={"COMBCODER_MODELS": str(root)})
    assert result.returncode == 0, result.stderr
    assert "finetuned" in result.stdout and "logreg" in result.stdout and "prototype" in result.stdout
    (trained,) = [p for p in root.iterdir() if (p / "model.json").is_file()]
    (fixture,) = [p for p in fixture_registry.iterdir() if (p / "model.json").is_file()]
    ours, theirs = load_file(trained / "heads.safetensors"), load_file(fixture / "heads.safetensors")
    for key in theirs:
        assert (ours[key] == theirs[key]).all(), key
    assert (root / "PROMOTED").read_text().strip() == trained.name
