"""Ingest into the store reuses the readers and segmenter; re-ingest is safe."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from combcoder.store import create_project, ingest
from combcoder.store.models import Document, Utterance


def test_ingest_stores_the_segmenters_utterances_with_exact_offsets(store, tmp_path, transcript):
    path = tmp_path / "clinic.txt"
    path.write_text(transcript, encoding="utf-8")
    create_project(store, "clinic")
    summary = ingest(store, "clinic", [path])
    assert (summary.documents_added, summary.failed) == (1, [])
    with store.reading() as session:
        document = session.scalar(select(Document))
        utterances = session.scalars(select(Utterance).order_by(Utterance.position)).all()
    assert summary.utterances_added == len(utterances) == 6
    assert summary.codable_added == sum(u.codable for u in utterances) == 4  # interviewer and "Mm." kept uncoded
    for u in utterances:
        assert document.text[u.start:u.end] == u.text
    again = ingest(store, "clinic", [path])
    assert (again.documents_added, again.documents_unchanged) == (0, 1)
    path.write_text(transcript + "\nP1: One more thing.\n", encoding="utf-8")
    changed = ingest(store, "clinic", [path])
    assert "already in the project with different text" in changed.failed[0][1]
    with store.reading() as session:
        assert session.scalar(select(func.count()).select_from(Utterance)) == 6


def test_unreadable_files_are_reported_and_others_still_stored(store, tmp_path, transcript):
    good = tmp_path / "good.txt"
    good.write_text(transcript, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    create_project(store, "clinic")
    summary = ingest(store, "clinic", [good, empty])
    assert summary.documents_added == 1 and len(summary.failed) == 1 and "empty" in summary.failed[0][0]


@pytest.mark.slow
def test_suggest_stores_the_models_suggestions_and_embeddings(store, tmp_path, transcript, fixture_model):
    import numpy as np

    from combcoder.store import suggest
    from combcoder.store.models import Project, Suggestion

    path = tmp_path / "clinic.txt"
    path.write_text(transcript, encoding="utf-8")
    create_project(store, "clinic")
    ingest(store, "clinic", [path])
    first = suggest(store, "clinic", classifier=fixture_model)
    assert (first.added, first.already) == (4, 0)
    assert suggest(store, "clinic", classifier=fixture_model).added == 0  # already stored
    with store.reading() as session:
        rows = session.scalars(select(Suggestion)).all()
        project = session.scalar(select(Project))
    assert project.active_model_id == rows[0].model_version_id
    for s in rows:
        vector = np.frombuffer(s.embedding, dtype=np.float32)
        assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
        assert s.top[0]["domain"] == s.domain and len(s.top) == 3
