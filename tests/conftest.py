"""Shared fixtures: real parts at small size (spaCy blank + sentencizer, the shipped MiniLM, a
fine-tuned model trained in seconds on a slice of the seed corpus, built once per session)."""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("COMBCODER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _slice_seed(folder: Path, per_label: dict[str, int]) -> None:
    """Copy the first records of each (split, domain) from the seed corpus into ``folder``."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    rows = []
    for path in sorted((REPO / "data" / "seed").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            key = (row["split"], row["domain"])
            if taken[key] < per_label.get(row["split"], 0):
                taken[key] += 1
                rows.append(row)
    folder.mkdir(parents=True)
    (folder / "slice.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory) -> Path:
    """A small labelled set: 12 train, 3 dev, 3 test utterances per domain."""
    folder = tmp_path_factory.mktemp("fixture") / "seed"
    _slice_seed(folder, {"train": 12, "dev": 3, "test": 3})
    return folder


@pytest.fixture(scope="session")
def fixture_registry(tmp_path_factory, fixture_data) -> Path:
    """A model registry holding one promoted fine-tuned model trained in seconds."""
    from combcoder.train import train_model
    from combcoder.train.config import TrainConfig

    root = tmp_path_factory.mktemp("models")
    config = TrainConfig.model_validate(
        {"data": {"seed": str(fixture_data), "ood": None},
         "finetune": {"epochs": 1, "batch_size": 16, "max_seq_length": 48, "head_learning_rate": 1e-2}}
    )
    train_model(config, promote=True, models_root=root, baselines=False)
    return root


@pytest.fixture
def models_root(fixture_registry, tmp_path, monkeypatch) -> Path:
    """A private copy of the fixture registry, set as the default registry for this test."""
    root = tmp_path / "models"
    shutil.copytree(fixture_registry, root)
    monkeypatch.setenv("COMBCODER_MODELS", str(root))
    return root


@pytest.fixture
def fixture_model(fixture_registry):
    from combcoder.registry import load_model

    return load_model(root=fixture_registry)


@functools.cache
def _pg_problem() -> str | None:
    from combcoder.store.db import postgres_available

    return postgres_available(PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A database URL, once per backend: a SQLite file, and a fresh PostgreSQL schema
    (env COMBCODER_TEST_PG) dropped afterwards; PostgreSQL is skipped, with the reason, when the
    server does not answer."""
    if request.param == "sqlite":
        yield str(tmp_path / "review.db")
        return
    problem = _pg_problem()
    if problem:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    from combcoder.store.db import scratch_schema

    with scratch_schema(PG_URL) as url:
        yield url


@pytest.fixture
def store(db_url):
    from combcoder.store import open_store

    s = open_store(db_url)
    yield s
    s.close()
