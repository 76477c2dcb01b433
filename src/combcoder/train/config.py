"""The training config schema: unknown keys and bad values are errors reported by path."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError
from ..paths import REPO_ROOT, configs_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Strict):
    seed: str = "data/seed"
    ood: str | None = "data/ood"


class FineTuneConfig(_Strict):
    epochs: int = Field(4, gt=0)
    batch_size: int = Field(16, gt=0)
    learning_rate: float = Field(6e-5, gt=0)
    head_learning_rate: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    max_seq_length: int = Field(128, gt=8, le=512)
    polarity_loss_weight: float = Field(0.7, ge=0)
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    feature_scale: float = Field(16.0, gt=0)
    freeze_word_embeddings: bool = True
    mixed_precision: bool = True
    seed: int = 13


class BaselineConfig(_Strict):
    logreg_C: float = Field(4.0, gt=0)


class TrainConfig(_Strict):
    base_model: str = "bundled"
    codebook: str | None = None
    data: DataConfig = DataConfig()
    finetune: FineTuneConfig = FineTuneConfig()
    baselines: BaselineConfig = BaselineConfig()

    def resolve(self, path: str | None) -> Path | None:
        """Resolve a config path relative to the repository root."""
        if path is None:
            return None
        p = Path(path)
        return p if p.is_absolute() else REPO_ROOT / p


def load_train_config(path: str | Path | None = None) -> TrainConfig:
    """Load and validate a training config (default configs/train/default.yaml)."""
    path = Path(path) if path else configs_dir() / "train" / "default.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({error})") from None
    try:
        return TrainConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg'].lower()}" for e in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
