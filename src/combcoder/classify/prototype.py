"""Zero-shot baseline: cosine similarity to codebook prototypes (definitions, notes, examples)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Classifier, read_model_json, restore_common, write_model_json
from .frozen import make_embedder

SCALE = 20.0  # cosine similarities are small numbers; scaled before the softmax, then calibrated


class PrototypeClassifier(Classifier):
    """Score each text by its similarity to the mean embedding of each code's codebook text."""

    kind = "prototype"

    def __init__(self, base_model: str | None = None, device: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.base_model = base_model
        self.device = device
        self._embedder = None
        self.domain_centroids: np.ndarray | None = None
        self.polarity_centroids: np.ndarray | None = None

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = make_embedder(self.base_model, self.device)
        return self._embedder

    def fit_codebook(self, codebook) -> "PrototypeClassifier":
        """Build one centroid per domain and per polarity from the codebook's text."""
        self.domains = tuple(codebook.domain_ids)
        self.domain_centroids = np.stack(
            [self._centroid(codebook.prototype_texts(d)) for d in self.domains]
        )
        self.polarity_centroids = np.stack(
            [self._centroid(_polarity_texts(codebook, p)) for p in self.polarities]
        )
        return self

    def _centroid(self, texts: list[str]) -> np.ndarray:
        centroid = self.embedder.encode(texts).mean(axis=0)
        return centroid / np.linalg.norm(centroid)

    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        vectors = self.embedder.encode(texts)
        return SCALE * vectors @ self.domain_centroids.T, SCALE * vectors @ self.polarity_centroids.T

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "centroids.npz", domain=self.domain_centroids, polarity=self.polarity_centroids)
        write_model_json(self, folder, base_model=self.base_model)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "PrototypeClassifier":
        folder = Path(folder)
        info = read_model_json(folder)
        model = restore_common(cls(base_model=info.get("base_model")), info)
        arrays = np.load(folder / "centroids.npz")
        model.domain_centroids, model.polarity_centroids = arrays["domain"], arrays["polarity"]
        return model


def _polarity_texts(codebook, polarity: str) -> list[str]:
    texts = [p.definition for p in codebook.polarities if p.id == polarity]
    for domain in codebook.domains:
        if polarity == "barrier":
            texts += list(domain.barrier_when)
        elif polarity == "facilitator":
            texts += list(domain.facilitator_when)
        texts += [e.text for e in domain.examples if e.polarity == polarity]
    return texts or [polarity]


__all__ = ["PrototypeClassifier"]
