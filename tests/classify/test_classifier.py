from __future__ import annotations

import json

import numpy as np
import pytest

from combcoder.classify import KINDS, classifier_kind, load_classifier
from combcoder.classify.calibrate import expected_calibration_error, fit_temperature
from combcoder.errors import ConfigError, ModelNotFoundError
from combcoder.records import DOMAINS, POLARITIES

TEXTS = [
    "I can't get my breath on the stairs any more, so the scales upstairs are a no-go.",
    "Nobody told me I could phone the heart failure nurse myself.",
    "Can you tell me a bit more about that?",
    "My son rings every morning to check I've weighed myself.",
]


def test_suggestions_are_calibrated_probabilities_with_top3(fixture_model):
    suggestions = fixture_model.suggest([f"u{i}" for i in range(len(TEXTS))], TEXTS)
    assert [s.id for s in suggestions] == ["u0", "u1", "u2", "u3"]
    for s in suggestions:
        assert s.domain in DOMAINS and s.polarity in POLARITIES
        assert len(s.suggestions) == 3
        scores = [d.score for d in s.suggestions]
        assert scores == sorted(scores, reverse=True)
        assert s.suggestions[0].domain == s.domain and s.domain_score == scores[0]
        assert 0.0 <= sum(scores) <= 1.0 + 1e-3
        assert 0.0 <= s.polarity_score <= 1.0
        assert s.model == fixture_model.version
        if s.domain == "none":
            assert s.polarity == "neutral"


def test_probabilities_sum_to_one(fixture_model):
    domain_p, polarity_p = fixture_model.predict_proba(TEXTS)
    assert domain_p.shape == (4, len(DOMAINS)) and polarity_p.shape == (4, len(POLARITIES))
    np.testing.assert_allclose(domain_p.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(polarity_p.sum(axis=1), 1.0, rtol=1e-5)


def test_save_load_round_trip(fixture_model, tmp_path):
    fixture_model.save(tmp_path / "copy")
    again = load_classifier(tmp_path / "copy")
    np.testing.assert_allclose(again.predict_proba(TEXTS)[0], fixture_model.predict_proba(TEXTS)[0], atol=1e-5)
    assert again.temperatures == fixture_model.temperatures


def test_fine_tuning_updates_the_encoder_but_not_the_token_table(fixture_model):
    from combcoder.embed import load_sentence_transformer

    assert fixture_model.settings.freeze_word_embeddings  # the default config freezes it
    base = dict(load_sentence_transformer(device="cpu").named_parameters())
    tuned = dict(fixture_model.encoder.named_parameters())
    table = next(name for name in base if name.endswith("word_embeddings.weight"))
    assert np.array_equal(base[table].detach().numpy(), tuned[table].detach().numpy())
    query = next(name for name in base if name.endswith("layer.0.attention.self.query.weight"))
    assert not np.allclose(base[query].detach().numpy(), tuned[query].detach().numpy())


def test_heads_read_scaled_features(fixture_model):
    """The saved feature scale is applied at inference, so logits match a hand computation."""
    import torch

    scale = fixture_model.settings.feature_scale
    assert scale > 1  # unit-length embeddings alone give logits too small to fit quickly
    domain_logits, _ = fixture_model.logits(TEXTS[:2])
    with torch.inference_mode():
        embeddings = fixture_model.encoder.encode(TEXTS[:2], convert_to_tensor=True).float()
        expected = fixture_model.heads["domain"](embeddings * scale).numpy()
    np.testing.assert_allclose(domain_logits, expected, atol=1e-4)


def test_model_folder_is_traceable(fixture_registry):
    folder = next(p for p in fixture_registry.iterdir() if (p / "model.json").is_file())
    info = json.loads((folder / "model.json").read_text())
    assert len(info["codebook_hash"]) == 64
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    assert sum(m["split"] == "train" for m in manifest) == info["training_data"]["train"]
    assert all(len(m["sha256"]) == 64 for m in manifest)
    metrics = json.loads((folder / "metrics.json").read_text())
    test = metrics["finetuned"]["test"]
    assert set(test["per_class"]) == set(DOMAINS)
    assert {"domain_macro_f1", "domain_top2_accuracy", "polarity_accuracy", "domain_kappa",
            "domain_ece", "domain_ece_uncalibrated", "confusion"} <= set(test)
    assert "test macro-F1" in (folder / "MODEL.md").read_text()


def test_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelNotFoundError, match="make model"):
        load_classifier(tmp_path)


def test_unknown_kind_lists_valid_kinds():
    with pytest.raises(ConfigError, match="finetuned, logreg, prototype"):
        classifier_kind("bert-magic")
    assert set(KINDS) == {"finetuned", "logreg", "prototype"}


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, size=(4000, 5))
    p = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(5, p=row) for row in p])
    # a model that is overconfident by a factor of 3
    temperature = fit_temperature(true_logits * 3, labels)
    assert temperature == pytest.approx(3.0, rel=0.1)


def test_ece_is_zero_for_perfect_confident_predictions_and_large_for_wrong_ones():
    labels = np.array([0, 1, 2, 0])
    perfect = np.eye(3)[labels]
    assert expected_calibration_error(perfect, labels) == pytest.approx(0.0)
    wrong = np.eye(3)[(labels + 1) % 3]
    assert expected_calibration_error(wrong, labels) == pytest.approx(1.0)


def test_evaluate_scores_what_suggest_returns(fixture_model, fixture_data):
    from combcoder.train.data import read_folder
    from combcoder.train.evaluate import evaluate

    examples = [e for e in read_folder(fixture_data) if e.split in ("dev", "test")]
    metrics = evaluate(fixture_model, examples)
    suggestions = fixture_model.suggest([e.id for e in examples], [e.text for e in examples])
    assert metrics["n"] == len(examples) == len(suggestions)
    domain_right = [s.domain == e.domain for s, e in zip(suggestions, examples)]
    polarity_right = [s.polarity == e.polarity for s, e in zip(suggestions, examples)]
    coded = [p for p, e in zip(polarity_right, examples) if e.domain != "none"]
    assert metrics["domain_accuracy"] == round(float(np.mean(domain_right)), 4)
    assert metrics["polarity_accuracy"] == round(float(np.mean(polarity_right)), 4)
    assert metrics["polarity_accuracy_coded"] == round(float(np.mean(coded)), 4)
    top2 = [e.domain in [d.domain for d in s.suggestions[:2]] for s, e in zip(suggestions, examples)]
    assert metrics["domain_top2_accuracy"] == round(float(np.mean(top2)), 4)


def test_suggestions_from_needs_one_probability_row_per_id(fixture_model):
    domain_p, polarity_p = fixture_model.predict_proba(TEXTS)
    assert [s.id for s in fixture_model.suggestions_from(["a", "b", "c", "d"], domain_p, polarity_p)] == list("abcd")
    with pytest.raises(ValueError):
        fixture_model.suggestions_from(["a"], domain_p, polarity_p)
