"""Fixtures for the batch tests: small corpora built from the demo transcripts, output readers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
# The demo files with codable participant turns (plain text, captions, a table).
DEMO_FILES = ("patients_fg.txt", "primary_care_fg.vtt", "hospital_fg.csv")
SMALL_SHARDS = 0.015  # MB: each demo file (18-24 kB) closes a shard of its own


@pytest.fixture
def demo_corpus(tmp_path) -> Path:
    """The three demo transcripts with codable turns, in a folder of their own."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in DEMO_FILES:
        shutil.copy(DEMO / name, folder / name)
    return folder


@pytest.fixture
def small_transcripts(tmp_path) -> Path:
    """Ten short plain-text transcripts (about 3 kB, 24 turns each) made from seed utterances."""
    import json

    rows = [json.loads(line) for line in (REPO / "data" / "seed" / "capability.jsonl").read_text().splitlines()]
    questions = ["Can you say more about that?", "How did that go?", "And what happened then?"]
    answers = [r["text"] for r in rows if r.get("speaker_role") != "interviewer"]
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for k in range(10):
        turns = []
        for i in range(12):
            turns.append(f"Moderator: {questions[(k * 12 + i) % len(questions)]}")
            turns.append(f"P{i % 4 + 1}: {answers[(k * 12 + i) % len(answers)]}")
        (folder / f"interview_{k:02d}.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    return folder


def _read_rows(out_dir: Path) -> list[dict]:
    import pyarrow.parquet as pq

    rows = []
    for path in sorted((out_dir / "parquet").glob("part-*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


@pytest.fixture(scope="session")
def read_rows():
    """Return a function: all output rows of a batch output folder, shard by shard, in file order."""
    return _read_rows


@pytest.fixture(scope="session")
def small_shards() -> float:
    """A shard size (MB) at which each demo file (18-24 kB) closes a shard of its own."""
    return SMALL_SHARDS
