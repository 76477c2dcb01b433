"""The model registry: one versioned folder per trained model under ``models/``, one promoted.

``models/PROMOTED`` names the version that ``classify`` and ``code`` use by default.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ModelNotFoundError
from .paths import models_dir

HOW_TO_GET_A_MODEL = (
    "build the default model with `make model` (trains on the seed corpus, a few minutes on a "
    "laptop CPU), train one with `combcoder train`, or pass --model PATH to a model folder"
)


@dataclass
class ModelEntry:
    version: str
    path: Path
    info: dict[str, Any]
    promoted: bool

    @property
    def metrics(self) -> dict[str, Any]:
        path = self.path / "metrics.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def new_version(kind: str, root: Path | None = None) -> tuple[str, Path]:
    """Return a fresh version id and its (not yet existing) folder."""
    root = root or models_dir()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    version = f"{stamp}-{kind}"
    n = 1
    while (root / version).exists():
        n += 1
        version = f"{stamp}-{kind}-{n}"
    return version, root / version


def list_models(root: Path | None = None) -> list[ModelEntry]:
    """Return every model folder in the registry, oldest first."""
    root = root or models_dir()
    promoted = promoted_version(root)
    entries = []
    for folder in sorted(p for p in root.glob("*") if (p / "model.json").is_file()):
        info = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        entries.append(ModelEntry(folder.name, folder, info, folder.name == promoted))
    return entries


def promoted_version(root: Path | None = None) -> str | None:
    marker = (root or models_dir()) / "PROMOTED"
    return marker.read_text(encoding="utf-8").strip() or None if marker.is_file() else None


def get_model(version: str, root: Path | None = None) -> ModelEntry:
    root = root or models_dir()
    for entry in list_models(root):
        if entry.version == version:
            return entry
    known = ", ".join(e.version for e in list_models(root)) or "none"
    raise ModelNotFoundError(f"no model {version!r} in {root} (known: {known})")


def promote(version: str, root: Path | None = None) -> ModelEntry:
    """Make ``version`` the default model, atomically."""
    root = root or models_dir()
    entry = get_model(version, root)
    tmp = root / "PROMOTED.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / "PROMOTED")
    entry.promoted = True
    return entry


def resolve_model(model: str | Path | None = None, root: Path | None = None) -> Path:
    """Return the folder for ``model``: a path, a registry version, or (None) the promoted one."""
    root = root or models_dir()
    if model is None:
        version = promoted_version(root)
        if version is None:
            raise ModelNotFoundError(f"no promoted model in {root}: {HOW_TO_GET_A_MODEL}")
        return get_model(version, root).path
    path = Path(model)
    if (path / "model.json").is_file():
        return path
    if (root / str(model) / "model.json").is_file():
        return root / str(model)
    raise ModelNotFoundError(f"{model} is neither a model folder nor a version in {root}: {HOW_TO_GET_A_MODEL}")


def load_model(model: str | Path | None = None, root: Path | None = None):
    """Load a classifier from a path, a registry version, or the promoted model."""
    from .classify import load_classifier

    return load_classifier(resolve_model(model, root))


__all__ = ["ModelEntry", "list_models", "load_model", "new_version", "promote",
           "promoted_version", "resolve_model"]
