"""Fixtures for the batch tests: small corpora built from the demo transcripts, output readers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
# The demo files with codable participant turns (plain text, captions, a table).
DEMO_FILES = ("patients_fg.txt", "primary_care_fg.vtt", "hospital_fg.csv")
SMALL_SHARDS = 0.02  # MB: each demo file (18-24 kB) closes a shard of its own


@pytest.fixture
def demo_corpus(tmp_path) -> Path:
    """The three demo transcripts with codable turns, in a folder of their own."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in DEMO_FILES:
        shutil.copy(DEMO / name, folder / name)
    return folder


@pytest.fixture
def copies_corpus(tmp_path) -> Path:
    """Three copies of the demo transcripts (nine files, about nine 20 kB shards)."""
    folder = tmp_path / "copies"
    folder.mkdir()
    for k in range(3):
        for name in DEMO_FILES:
            stem, suffix = name.rsplit(".", 1)
            shutil.copy(DEMO / name, folder / f"{stem}_{k}.{suffix}")
    return folder


def read_rows(out_dir: Path) -> list[dict]:
    """All output rows, shard by shard, in file order."""
    import pyarrow.parquet as pq

    rows = []
    for path in sorted((out_dir / "parquet").glob("part-*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows
