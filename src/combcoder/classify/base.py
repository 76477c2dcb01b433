"""The classifier protocol, shared prediction code and loading saved models by kind."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, ModelNotFoundError
from ..records import DOMAINS, POLARITIES, DomainScore, Suggestion, Utterance

TOP_K = 3


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Classifier:
    """Base class: subclasses implement ``logits`` and ``save``/``load``; scores are calibrated.

    ``temperatures`` holds one temperature per head, fitted on held-out data (see
    :mod:`combcoder.classify.calibrate`); 1.0 means uncalibrated.
    """

    kind = "base"

    def __init__(self, version: str = "unsaved", domains: Sequence[str] = DOMAINS,
                 polarities: Sequence[str] = POLARITIES):
        self.version = version
        self.domains = tuple(domains)
        self.polarities = tuple(polarities)
        self.temperatures = {"domain": 1.0, "polarity": 1.0}

    # --- to implement -------------------------------------------------------------------
    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return raw (domain, polarity) scores, shapes (n, len(domains)) and (n, len(polarities))."""
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return calibrated (domain, polarity) probabilities."""
        domain_logits, polarity_logits = self.logits(texts)
        return (
            softmax(domain_logits, self.temperatures["domain"]),
            softmax(polarity_logits, self.temperatures["polarity"]),
        )

    def suggest(self, ids: Sequence[str], texts: Sequence[str]) -> list[Suggestion]:
        """Return one suggestion per text, with the top-3 domains."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        if not texts:
            return []
        return self.suggestions_from(ids, *self.predict_proba(texts))

    def suggestions_from(self, ids: Sequence[str], domain_p: np.ndarray, polarity_p: np.ndarray) -> list[Suggestion]:
        """Turn calibrated probabilities (as ``predict_proba`` returns them) into suggestions."""
        return [self._suggestion(i, d, p) for i, d, p in zip(ids, domain_p, polarity_p, strict=True)]

    def __call__(self, utterances: Iterable[Utterance]) -> list[Suggestion]:
        utterances = list(utterances)
        return self.suggest([u.id for u in utterances], [u.text for u in utterances])

    def _suggestion(self, uid: str, domain_p: np.ndarray, polarity_p: np.ndarray) -> Suggestion:
        order = np.argsort(-domain_p)
        domain = self.domains[order[0]]
        if domain == "none" and "neutral" in self.polarities:
            # Polarity is only meaningful for a coded domain: "none" is always neutral.
            polarity, polarity_score = "neutral", float(domain_p[order[0]])
        else:
            # A coded utterance is a barrier or a facilitator (the codebook keeps neutral for
            # "none"), so choose between those two and renormalise their probabilities.
            coded = np.array([p != "neutral" for p in self.polarities])
            masked = np.where(coded, polarity_p, 0.0)
            masked = masked / masked.sum() if masked.sum() > 0 else polarity_p
            j = int(np.argmax(masked))
            polarity, polarity_score = self.polarities[j], float(masked[j])
        return Suggestion(
            id=uid,
            domain=domain,
            domain_score=round(float(domain_p[order[0]]), 4),
            polarity=polarity,
            polarity_score=round(polarity_score, 4),
            suggestions=[
                DomainScore(self.domains[k], round(float(domain_p[k]), 4)) for k in order[:TOP_K]
            ],
            model=self.version,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "version": self.version,
            "domains": list(self.domains),
            "polarities": list(self.polarities),
            "temperatures": self.temperatures,
        }

    def save(self, folder: str | Path) -> Path:
        raise NotImplementedError

    @classmethod
    def load(cls, folder: str | Path) -> "Classifier":
        raise NotImplementedError


def read_model_json(folder: Path) -> dict[str, Any]:
    path = folder / "model.json"
    if not path.is_file():
        raise ModelNotFoundError(
            f"{folder} is not a combcoder model folder (no model.json); "
            "build the default model with `make model` or train one with `combcoder train`"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def write_model_json(classifier: Classifier, folder: Path, **extra: Any) -> None:
    info = classifier.describe() | extra
    (folder / "model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def restore_common(classifier: Classifier, info: dict[str, Any]) -> Classifier:
    classifier.version = info["version"]
    classifier.domains = tuple(info["domains"])
    classifier.polarities = tuple(info["polarities"])
    classifier.temperatures = dict(info.get("temperatures", classifier.temperatures))
    return classifier


def classifier_kind(name: str) -> type[Classifier]:
    """Return the classifier class registered under ``name``."""
    from . import KINDS

    if name not in KINDS:
        raise ConfigError(f"unknown classifier kind {name!r}; valid kinds: {', '.join(sorted(KINDS))}")
    return KINDS[name]


def load_classifier(folder: str | Path) -> Classifier:
    """Load a saved model folder, whatever its kind."""
    folder = Path(folder)
    info = read_model_json(folder)
    return classifier_kind(info["kind"]).load(folder)
