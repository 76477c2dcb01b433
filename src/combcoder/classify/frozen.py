"""Shared parts of classifiers that sit on a frozen sentence-transformer."""

from __future__ import annotations

from pathlib import Path

from ..embed import Embedder, base_model_path


def resolve_base_model(base_model: str | None) -> Path:
    """Return the folder of ``base_model``; None or "bundled" means the shipped MiniLM."""
    return base_model_path() if base_model in (None, "bundled") else Path(base_model)


def make_embedder(base_model: str | None, device: str | None = None) -> Embedder:
    return Embedder(resolve_base_model(base_model), device=device)
