from __future__ import annotations

import shutil

import pytest

from combcoder import registry
from combcoder.errors import ModelNotFoundError


def test_promoted_model_is_the_default(models_root):
    (entry,) = registry.list_models()
    assert entry.promoted
    assert registry.resolve_model() == entry.path


def test_promote_switches_default(models_root):
    (entry,) = registry.list_models()
    shutil.copytree(entry.path, models_root / "second")
    registry.promote("second")
    assert registry.promoted_version() == "second"
    assert [e.version for e in registry.list_models() if e.promoted] == ["second"]


def test_empty_registry_says_how_to_get_a_model(tmp_path, monkeypatch):
    monkeypatch.setenv("COMBCODER_MODELS", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="make model"):
        registry.resolve_model()


def test_unknown_version_lists_known_ones(models_root):
    with pytest.raises(ModelNotFoundError, match="known:"):
        registry.promote("nope")
