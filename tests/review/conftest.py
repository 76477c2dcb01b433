"""Fixtures for the review app: a store on SQLite and on PostgreSQL, a small project, coders,
logged-in clients, and (for the browser, retrain and concurrency tests) a real uvicorn server.
The ``db_url`` and ``store`` fixtures (SQLite and PostgreSQL) are in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from review_helpers import Project, build_project, login


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "review.db")


@pytest.fixture
def project(store, tmp_path) -> Project:
    return build_project(store, tmp_path)


@pytest.fixture
def app(store):
    from combcoder.review import create_app

    return create_app(store)


@pytest.fixture
def client_for(app):
    from fastapi.testclient import TestClient

    clients = []

    def make(name: str):
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        return login(client, name)

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def tiny_seed(tmp_path_factory):
    """A smaller seed slice than the shared fixture (4 train, 2 dev, 2 test per domain), so a
    retrain in these tests takes seconds even on a busy 2-core machine."""
    import json
    from collections import defaultdict
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    wanted = {"train": 4, "dev": 2, "test": 2}
    taken: dict = defaultdict(int)
    rows = []
    for path in sorted((repo / "data" / "seed").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if taken[(row["split"], row["domain"])] < wanted[row["split"]]:
                taken[(row["split"], row["domain"])] += 1
                rows.append(row)
    folder = tmp_path_factory.mktemp("tiny") / "seed"
    folder.mkdir()
    (folder / "slice.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_config(tiny_seed):
    """A training config that runs in seconds: 1 epoch, short sequences, the tiny seed slice."""
    from combcoder.train.config import TrainConfig

    return TrainConfig.model_validate(
        {"data": {"seed": str(tiny_seed), "ood": None},
         "finetune": {"epochs": 1, "batch_size": 16, "max_seq_length": 32, "head_learning_rate": 1e-2}}
    )
