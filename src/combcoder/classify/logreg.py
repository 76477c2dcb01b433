"""Baseline: logistic regression on frozen sentence-transformer embeddings."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Classifier, read_model_json, restore_common, write_model_json
from .frozen import make_embedder


class LogRegClassifier(Classifier):
    """Two multinomial logistic regressions (domain, polarity) on frozen embeddings."""

    kind = "logreg"

    def __init__(self, base_model: str | None = None, device: str | None = None, C: float = 4.0,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.base_model = base_model
        self.device = device
        self.C = C
        self.seed = seed
        self._embedder = None
        self.domain_model = None
        self.polarity_model = None

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = make_embedder(self.base_model, self.device)
        return self._embedder

    def fit(self, texts: Sequence[str], domains: Sequence[str], polarities: Sequence[str]) -> "LogRegClassifier":
        from sklearn.linear_model import LogisticRegression

        vectors = self.embedder.encode(texts)
        y_domain = np.array([self.domains.index(d) for d in domains])
        y_polarity = np.array([self.polarities.index(p) for p in polarities])
        self.domain_model = LogisticRegression(C=self.C, max_iter=3000, random_state=self.seed)
        self.domain_model.fit(vectors, y_domain)
        self.polarity_model = LogisticRegression(C=self.C, max_iter=3000, random_state=self.seed)
        self.polarity_model.fit(vectors, y_polarity)
        return self

    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        vectors = self.embedder.encode(texts)
        return (
            _full_logits(self.domain_model, vectors, len(self.domains)),
            _full_logits(self.polarity_model, vectors, len(self.polarities)),
        )

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "heads.pkl", "wb") as f:
            pickle.dump({"domain": self.domain_model, "polarity": self.polarity_model}, f)
        write_model_json(self, folder, base_model=self.base_model, C=self.C)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "LogRegClassifier":
        folder = Path(folder)
        info = read_model_json(folder)
        model = restore_common(cls(base_model=info.get("base_model"), C=info.get("C", 4.0)), info)
        with open(folder / "heads.pkl", "rb") as f:
            heads = pickle.load(f)  # noqa: S301 - our own model folder, written by save()
        model.domain_model, model.polarity_model = heads["domain"], heads["polarity"]
        return model


def _full_logits(model, vectors: np.ndarray, n_classes: int) -> np.ndarray:
    """Return log-probabilities for every class, also those absent from the training data."""
    out = np.full((len(vectors), n_classes), -30.0)
    out[:, model.classes_] = model.predict_log_proba(vectors)
    return out
