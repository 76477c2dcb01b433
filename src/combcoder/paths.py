"""Where combcoder finds its configs, data and model registry (overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path

# The project root in a source checkout (src/combcoder/paths.py -> repo root).
REPO_ROOT = Path(__file__).resolve().parents[2]


def configs_dir() -> Path:
    return Path(os.environ.get("COMBCODER_CONFIGS", REPO_ROOT / "configs"))


def data_dir() -> Path:
    return Path(os.environ.get("COMBCODER_DATA", REPO_ROOT / "data"))


def models_dir() -> Path:
    return Path(os.environ.get("COMBCODER_MODELS", REPO_ROOT / "models"))
