"""Deduplication and length bucketing give the classifier's own suggestions."""

from __future__ import annotations

import pytest

from combcoder.batch.scoring import BucketedScorer, available_cpus, default_threads
from combcoder.errors import ConfigError
from combcoder.records import Utterance


def _utterances(texts):
    return [Utterance(id=f"d:t{i:03d}:u1", doc_id="d", turn_index=i, start=0, end=len(t), text=t)
            for i, t in enumerate(texts)]


def test_identical_texts_are_classified_once_and_results_match_the_classifier(fixture_model):
    texts = [
        "I can't get up the stairs to the scales.",
        "The nurse rings every week and that keeps me going, honestly it does.",
        "I can't get up the stairs to the scales.",
        "No.",
        "My daughter sorts the tablets into the box on a Sunday night for the whole week ahead.",
        "The nurse rings every week and that keeps me going, honestly it does.",
    ]
    scorer = BucketedScorer(fixture_model, batch_size=2)
    got = scorer(_utterances(texts))
    assert scorer.texts_seen == 6 and scorer.texts_classified == 4
    known: dict = {}
    scorer(_utterances(texts[:2]), known)
    again = scorer(_utterances(texts), known)
    assert scorer.texts_classified == 4 + 2 + 2 and set(known) == set(texts)  # only the two new texts
    assert again["d:t004:u1"].domain == got["d:t004:u1"].domain
    assert list(got) == [f"d:t{i:03d}:u1" for i in range(6)]
    assert got["d:t000:u1"].domain == got["d:t002:u1"].domain and got["d:t000:u1"].id == "d:t000:u1"
    direct = fixture_model.suggest([f"x{i}" for i in range(6)], texts)
    for suggestion, want in zip(got.values(), direct):
        assert suggestion.domain == want.domain and suggestion.polarity == want.polarity
        assert suggestion.domain_score == pytest.approx(want.domain_score, abs=2e-3)
        assert suggestion.model == fixture_model.version


def test_bad_batch_size_and_thread_defaults(fixture_model, monkeypatch):
    with pytest.raises(ConfigError, match="batch size"):
        BucketedScorer(fixture_model, batch_size=0)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert default_threads() == available_cpus() >= 1
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert default_threads() == 1
