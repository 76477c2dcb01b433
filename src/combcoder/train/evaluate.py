"""Metrics of a classifier on labelled examples, as reported in metrics.json and the model card."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..classify.base import softmax
from ..classify.calibrate import expected_calibration_error
from .data import Example


def evaluate(classifier, examples: Sequence[Example]) -> dict:
    """Return per-class P/R/F1, macro-F1, top-2 accuracy, polarity accuracy, κ, confusion, ECE."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

    texts = [e.text for e in examples]
    domain_logits, polarity_logits = classifier.logits(texts)
    domains, polarities = list(classifier.domains), list(classifier.polarities)
    y = np.array([domains.index(e.domain) for e in examples])
    y_pol = np.array([polarities.index(e.polarity) for e in examples])
    p_domain = softmax(domain_logits, classifier.temperatures["domain"])
    p_polarity = softmax(polarity_logits, classifier.temperatures["polarity"])
    pred = p_domain.argmax(axis=1)
    # the same probabilities as suggest() computes, without running the model a second time
    suggestions = classifier.suggestions_from([e.id for e in examples], p_domain, p_polarity)
    pred_pol = np.array([polarities.index(s.polarity) for s in suggestions])
    coded = y != domains.index("none") if "none" in domains else np.ones_like(y, dtype=bool)
    labels = list(range(len(domains)))
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    top2 = np.argsort(-p_domain, axis=1)[:, :2]
    return {
        "n": len(examples),
        "domain_macro_f1": round(float(f1.mean()), 4),
        "domain_accuracy": round(float((pred == y).mean()), 4),
        "domain_top2_accuracy": round(float((top2 == y[:, None]).any(axis=1).mean()), 4),
        "domain_kappa": round(float(cohen_kappa_score(y, pred, labels=labels)), 4),
        "polarity_accuracy": round(float((pred_pol == y_pol).mean()), 4),
        "polarity_accuracy_coded": round(float((pred_pol[coded] == y_pol[coded]).mean()), 4) if coded.any() else None,
        "per_class": {
            d: {"precision": round(float(precision[i]), 4), "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4), "support": int(support[i])}
            for i, d in enumerate(domains)
        },
        "confusion": {"labels": domains, "matrix": confusion_matrix(y, pred, labels=labels).tolist()},
        "domain_ece_uncalibrated": round(expected_calibration_error(softmax(domain_logits), y), 4),
        "domain_ece": round(expected_calibration_error(p_domain, y), 4),
        "polarity_ece": round(expected_calibration_error(p_polarity, y_pol), 4),
    }
