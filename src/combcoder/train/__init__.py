"""Train the COM-B classifier: fine-tune, calibrate, compare with baselines, register.

``train_model`` is what ``combcoder train`` and ``make model`` run. Each call builds a fresh model
from the base encoder (never continues an old one) and records exactly which records it saw.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..codebook import load_codebook
from ..errors import InputError
from ..paths import models_dir
from ..records import DOMAINS, POLARITIES
from .config import TrainConfig, load_train_config
from .data import Example, read_examples, read_folder
from .evaluate import evaluate


@dataclass
class TrainResult:
    """A trained, saved model and its measurements."""

    version: str
    path: Path
    metrics: dict
    promoted: bool

    def summary(self) -> str:
        lines = [f"model {self.version} -> {self.path}" + (" (promoted)" if self.promoted else "")]
        lines.append(f"{'':12} {'test F1':>8} {'top-2':>7} {'polarity':>9} {'κ':>6} {'ECE':>6} {'OOD F1':>7}")
        for name in ("prototype", "logreg", "finetuned"):
            m = self.metrics.get(name)
            if not m:
                continue
            t, o = m["test"], m.get("ood") or {}
            lines.append(
                f"{name:12} {t['domain_macro_f1']:>8.3f} {t['domain_top2_accuracy']:>7.3f} "
                f"{t['polarity_accuracy_coded']:>9.3f} {t['domain_kappa']:>6.3f} {t['domain_ece']:>6.3f} "
                f"{o.get('domain_macro_f1', float('nan')):>7.3f}"
            )
        return "\n".join(lines)


def train_model(
    config: str | Path | TrainConfig | None = None,
    *,
    extra_data: Sequence[str | Path] = (),
    promote: bool = False,
    device: str | None = None,
    models_root: str | Path | None = None,
    baselines: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> TrainResult:
    """Fine-tune on seed ``train`` (+ ``extra_data``), select on ``dev``, evaluate on ``test`` and OOD."""
    from .. import registry
    from ..classify import FineTunedClassifier, LogRegClassifier, PrototypeClassifier
    from ..classify.calibrate import calibration_report, fit_temperature
    from ..classify.finetuned import FineTuneSettings

    cfg = config if isinstance(config, TrainConfig) else load_train_config(config)
    codebook = load_codebook(cfg.resolve(cfg.codebook))
    examples = read_folder(cfg.resolve(cfg.data.seed))
    for path in extra_data:
        examples += read_examples(path, default_split="train")
    ood = read_folder(cfg.resolve(cfg.data.ood), default_split="ood") if cfg.data.ood else []
    splits = {s: [e for e in examples if e.split == s] for s in ("train", "dev", "test")}
    for name, part in splits.items():
        if not part:
            raise InputError(cfg.resolve(cfg.data.seed), f"no {name!r} examples")
    train, dev, test = splits["train"], splits["dev"], splits["test"]
    log(f"data: {len(train)} train, {len(dev)} dev, {len(test)} test, {len(ood)} ood")
    base = None if cfg.base_model == "bundled" else cfg.base_model
    metrics: dict = {}

    def calibrate(model, name: str) -> dict:
        d_logits, p_logits = model.logits([e.text for e in dev])
        y = np.array([model.domains.index(e.domain) for e in dev])
        y_pol = np.array([model.polarities.index(e.polarity) for e in dev])
        model.temperatures = {"domain": fit_temperature(d_logits, y), "polarity": fit_temperature(p_logits, y_pol)}
        return {"domain": calibration_report(d_logits, y, model.temperatures["domain"]),
                "polarity": calibration_report(p_logits, y_pol, model.temperatures["polarity"])}

    def measure(model, name: str, seconds: float) -> None:
        metrics[name] = {"calibration_dev": calibrate(model, name), "train_seconds": round(seconds, 1),
                         "test": evaluate(model, test), "dev": evaluate(model, dev),
                         "ood": evaluate(model, ood) if ood else None}
        log(f"{name}: test macro-F1 {metrics[name]['test']['domain_macro_f1']:.3f}")

    if baselines:
        started = time.perf_counter()
        prototype = PrototypeClassifier(base_model=base, device=device).fit_codebook(codebook)
        measure(prototype, "prototype", time.perf_counter() - started)
        started = time.perf_counter()
        logreg = LogRegClassifier(base_model=base, device=device, C=cfg.baselines.logreg_C,
                                  seed=cfg.finetune.seed)
        logreg.fit([e.text for e in train], [e.domain for e in train], [e.polarity for e in train])
        measure(logreg, "logreg", time.perf_counter() - started)

    model = FineTunedClassifier(domains=DOMAINS, polarities=POLARITIES)

    def select(candidate) -> float:
        m = evaluate(candidate, dev)
        return m["domain_macro_f1"] + 0.5 * (m["polarity_accuracy_coded"] or 0.0)

    started = time.perf_counter()
    history = model.fit(
        [e.text for e in train], [e.domain for e in train], [e.polarity for e in train],
        base_model=base, settings=FineTuneSettings(**cfg.finetune.model_dump()), select=select, device=device,
        progress=lambda row: log(f"  epoch {row['epoch']}: loss {row['train_loss']}, "
                                 f"dev score {row['selection_score']}, {row['seconds']} s"),
    )
    measure(model, "finetuned", time.perf_counter() - started)
    metrics["finetuned"]["history"] = history
    metrics["environment"] = {"device": model.device, "python": platform.python_version(),
                              "machine": platform.processor() or platform.machine()}

    root = Path(models_root) if models_root else models_dir()
    version, folder = registry.new_version(model.kind, root)
    model.version = version
    model.save(folder)
    info = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    info |= {"codebook_hash": codebook.hash, "codebook": codebook.name,
             "training_data": {s: len(v) for s, v in splits.items()} | {"ood": len(ood)}}
    (folder / "model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    _write_manifest(folder / "manifest.jsonl", examples + ood)
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg.model_dump(), sort_keys=False), encoding="utf-8")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    from .card import write_model_card

    write_model_card(folder / "MODEL.md", version, info, metrics)
    if promote:
        registry.promote(version, root)
    return TrainResult(version, folder, metrics, promote)


def _write_manifest(path: Path, examples: Sequence[Example]) -> None:
    """List every record the model saw or was measured on: id, split, file and content hash."""
    with open(path, "w", encoding="utf-8") as f:
        for e in examples:
            f.write(json.dumps({"id": e.id, "split": e.split, "source": e.source, "sha256": e.digest}) + "\n")


__all__ = ["TrainResult", "train_model"]
