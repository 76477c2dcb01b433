"""Retrain from human decisions: a fresh model from the seed corpus plus the project's annotations.

What a retrain uses
- An annotation snapshot taken at the start: every annotation with id <= ``max_id`` (the count
  and a SHA-256 over the rows are recorded, so the exact data can be checked later).
- Per coder and utterance, that coder's latest decision in the snapshot; when an admin has
  adjudicated an utterance, the latest adjudication replaces the coders' labels. Skips and
  cleared decisions carry no label.
- A fixed slice of utterances (chosen by a hash of the utterance id, so it never moves between
  retrains) is held out from training to measure the models on human labels.

What it writes into the new model folder: ``retrain.json`` (snapshot, data counts, the
evaluation of the new and the current model, the decision and its reasons) and
``human_annotations.jsonl`` (every annotation id in the snapshot and what became of it:
train, heldout, superseded, overridden by an adjudication, or unlabelled).

The new model is promoted only if it is not worse than the promoted one, by more than
``tolerance``, on the seed test set and on the held-out human slice (when that has at least
``min_heldout`` utterances), for domain macro-F1 and polarity accuracy.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .errors import InputError
from .store.accounts import get_project
from .store.annotations import LABELLED, AnnotationRecord, Snapshot, take_snapshot
from .store.db import Store
from .store.models import Utterance

METRICS = ("domain_macro_f1", "polarity_accuracy_coded")
MIN_HELDOUT = 10


@dataclass
class HumanData:
    """The labelled examples derived from a snapshot, and what happened to every annotation."""

    train: list[dict[str, Any]] = field(default_factory=list)
    heldout: list[dict[str, Any]] = field(default_factory=list)
    accounting: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        statuses: dict[str, int] = {}
        for row in self.accounting:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        return {"train": len(self.train), "heldout": len(self.heldout), "annotations": len(self.accounting),
                **{f"annotations_{k}": v for k, v in sorted(statuses.items())}}


def in_heldout(project: str, utterance: str, fraction: float) -> bool:
    """Return True if ``utterance`` is in the held-out slice (stable: a hash of the ids)."""
    if fraction <= 0:
        return False
    h = int(hashlib.sha256(f"{project}\x00{utterance}".encode("utf-8")).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < fraction


def human_examples(project: str, records: Sequence[AnnotationRecord], texts: dict[str, str],
                   holdout: float) -> HumanData:
    """Turn a snapshot's annotation rows into training and held-out examples (see the module doc)."""
    latest: dict[tuple[str, str], AnnotationRecord] = {}
    for r in sorted(records, key=lambda r: r.id):
        latest[(r.coder, r.utterance)] = r
    superseded_by = {r.supersedes: r.id for r in records if r.supersedes is not None}
    adjudicated: dict[str, AnnotationRecord] = {}
    for r in latest.values():
        if r.kind == "adjudication" and (r.utterance not in adjudicated or r.id > adjudicated[r.utterance].id):
            adjudicated[r.utterance] = r
    data = HumanData()
    current_ids = {r.id for r in latest.values()}
    for r in sorted(records, key=lambda r: r.id):
        entry = {"annotation_id": r.id, "utterance": r.utterance, "coder": r.coder, "kind": r.kind,
                 "example_id": None, "split": None}
        if r.id not in current_ids:
            entry["status"] = "superseded"
            entry["superseded_by"] = superseded_by.get(r.id)
        elif r.kind not in LABELLED:
            entry["status"] = f"unlabelled_{r.kind}"
        elif r.utterance in adjudicated and adjudicated[r.utterance].id != r.id:
            entry["status"] = "overridden_by_adjudication"
            entry["adjudication_id"] = adjudicated[r.utterance].id
        else:
            split = "heldout" if in_heldout(project, r.utterance, holdout) else "train"
            suffix = "adjudicated" if r.kind == "adjudication" else f"coder:{r.coder}"
            example = {"id": f"human:{r.utterance}:{suffix}", "text": texts[r.utterance], "domain": r.domain,
                       "polarity": r.polarity, "split": "train" if split == "train" else "test",
                       "annotation_id": r.id}
            (data.train if split == "train" else data.heldout).append(example)
            entry.update(status=split, example_id=example["id"], split=split)
        data.accounting.append(entry)
    return data


def decide(new: dict[str, dict], current: dict[str, dict] | None, tolerance: float,
           heldout_n: int, min_heldout: int = MIN_HELDOUT) -> tuple[bool, list[str]]:
    """Return (promote?, reasons): not worse than ``current`` by more than ``tolerance`` on each set."""
    if current is None:
        return True, ["no promoted model to compare with: the new model becomes the default"]
    sets = ["seed_test"]
    reasons = []
    if heldout_n >= min_heldout:
        sets.append("human_heldout")
    else:
        reasons.append(f"held-out human slice too small to judge ({heldout_n} < {min_heldout} utterances): "
                       "decided on the seed test set")
    worse = False
    for name in sets:
        for metric in METRICS:
            a, b = new[name].get(metric), current[name].get(metric)
            if a is None or b is None:
                continue
            delta = a - b
            if delta < -tolerance:
                worse = True
                reasons.append(f"worse on {name} {metric}: {a:.3f} vs {b:.3f} ({delta:+.3f}, tolerance {tolerance})")
            elif delta < 0:
                reasons.append(f"within tolerance on {name} {metric}: {a:.3f} vs {b:.3f} "
                               f"({delta:+.3f}, tolerance {tolerance})")
            else:
                reasons.append(f"not worse on {name} {metric}: {a:.3f} vs {b:.3f} ({delta:+.3f})")
    return not worse, reasons


@dataclass
class RetrainReport:
    """The outcome of a retrain: the new model, the data it saw, the comparison and the decision."""

    version: str
    path: str
    project: str
    snapshot: dict[str, Any]
    data: dict[str, int]
    evaluation: dict[str, Any]
    current_version: str | None
    promoted: bool
    reasons: list[str]
    settings: dict[str, Any]
    suggestions_added: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        s = self.snapshot
        lines = [
            f"model {self.version} -> {self.path}",
            f"annotations: snapshot up to id {s['max_id']} ({s['count']} rows, sha256 {s['sha256'][:12]}); "
            f"{self.data['train']} human examples trained on, {self.data['heldout']} held out",
        ]
        rows = (("new", self.evaluation["new"]), (self.current_version or "current", self.evaluation.get("current")))
        for who, sets in rows:
            if not sets:
                continue
            parts = [f"{name} F1 {m['domain_macro_f1']:.3f} polarity "
                     + (f"{m['polarity_accuracy_coded']:.3f}" if m["polarity_accuracy_coded"] is not None else "n/a")
                     + f" (n={m['n']})" for name, m in sets.items() if m]
            lines.append(f"{who[:36]:36} " + "; ".join(parts))
        lines.append(("PROMOTED" if self.promoted else "NOT PROMOTED") + ": " + "; ".join(self.reasons))
        if self.suggestions_added is not None:
            lines.append(f"stored {self.suggestions_added} new suggestions from {self.version}")
        return "\n".join(lines)


def retrain(
    store: Store,
    project: str | None = None,
    *,
    config=None,
    models_root: str | Path | None = None,
    holdout: float = 0.2,
    tolerance: float = 0.0,
    min_heldout: int = MIN_HELDOUT,
    promote: bool = True,
    refresh_suggestions: bool = True,
    device: str | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> RetrainReport:
    """Train a fresh model on seed data + the project's human decisions; promote it if not worse."""
    if not 0.0 <= holdout < 1.0:
        raise InputError("holdout", f"must be in [0, 1), not {holdout}")
    if not math.isfinite(tolerance):
        raise InputError("tolerance", f"must be a finite number, not {tolerance}")
    from . import registry
    from .classify import load_classifier
    from .paths import models_dir
    from .store.corpus import register_model_version, suggest
    from .train import train_model
    from .train.config import TrainConfig, load_train_config
    from .train.data import Example, read_folder
    from .train.evaluate import evaluate

    root = Path(models_root) if models_root else models_dir()
    cfg = config if isinstance(config, TrainConfig) else load_train_config(config)
    project_row = get_project(store, project)
    snapshot, records = take_snapshot(store, project_row.name)
    with store.reading() as session:
        texts = dict(session.execute(
            select(Utterance.key, Utterance.text).where(Utterance.project_id == project_row.id)).all())
    data = human_examples(project_row.name, records, texts, holdout)
    log(f"snapshot: annotations up to id {snapshot.max_id} ({snapshot.count}); "
        f"{len(data.train)} human examples to train on, {len(data.heldout)} held out")

    with tempfile.TemporaryDirectory(prefix="combcoder-retrain-") as tmp:
        extra = Path(tmp) / "human_train.jsonl"
        _write_jsonl(extra, [{k: e[k] for k in ("id", "text", "domain", "polarity", "split")} for e in data.train])
        result = train_model(cfg, extra_data=[extra] if data.train else [], promote=False, device=device,
                             models_root=root, baselines=False, log=log)

    def as_examples(rows: list[dict]) -> list:
        return [Example(r["id"], r["text"], r["domain"], r["polarity"], "test", "store") for r in rows]

    seed_test = [e for e in read_folder(cfg.resolve(cfg.data.seed)) if e.split == "test"]
    heldout = as_examples(data.heldout)
    new_model = load_classifier(result.path)
    evaluation: dict[str, Any] = {"new": {"seed_test": result.metrics["finetuned"]["test"],
                                          "human_heldout": evaluate(new_model, heldout) if heldout else None}}
    current_version = registry.promoted_version(root)
    current_sets = None
    if current_version:
        current = registry.load_model(current_version, root)
        current_sets = {"seed_test": evaluate(current, seed_test),
                        "human_heldout": evaluate(current, heldout) if heldout else None}
        evaluation["current"] = current_sets
    should, reasons = decide(evaluation["new"], current_sets, tolerance, len(heldout), min_heldout)
    if should and not promote:
        reasons.append("not promoted because promotion was switched off (--no-promote)")
    promoted = should and promote
    if promoted:
        registry.promote(result.version, root)
    report = RetrainReport(
        version=result.version, path=str(result.path), project=project_row.name, snapshot=snapshot.to_dict(),
        data=data.counts(), evaluation=_slim(evaluation), current_version=current_version, promoted=promoted,
        reasons=reasons, settings={"holdout": holdout, "tolerance": tolerance, "min_heldout": min_heldout},
    )
    _write_outputs(Path(result.path), report, data, snapshot)
    register_model_version(store, result.version, "finetuned", str(result.path), retrain_report=report.to_dict())
    log(report.summary())
    if promoted and refresh_suggestions:
        report.suggestions_added = suggest(store, project_row.name, classifier=new_model).added
        register_model_version(store, result.version, retrain_report=report.to_dict())
        (Path(result.path) / "retrain.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return report


def _slim(evaluation: dict) -> dict:
    """Keep the headline metrics (the full ones are in metrics.json)."""
    keep = ("n", "domain_macro_f1", "domain_accuracy", "polarity_accuracy", "polarity_accuracy_coded", "domain_ece")
    return {who: {name: ({k: m[k] for k in keep} if m else None) for name, m in sets.items()}
            for who, sets in evaluation.items()}


def _write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_outputs(folder: Path, report: RetrainReport, data: HumanData, snapshot: Snapshot) -> None:
    (folder / "retrain.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    _write_jsonl(folder / "human_annotations.jsonl", data.accounting)
    info_path = folder / "model.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info["annotation_snapshot"] = snapshot.to_dict()
    info_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    card = folder / "MODEL.md"
    if card.is_file():
        with open(card, "a", encoding="utf-8") as f:
            f.write(f"\n## Retrained from human annotations\n\nProject {report.project!r}, annotations up to "
                    f"id {snapshot.max_id} ({snapshot.count} rows, sha256 `{snapshot.sha256}`): "
                    f"{report.data['train']} human examples trained on, {report.data['heldout']} held out.\n\n"
                    + ("Promoted" if report.promoted else "Not promoted") + ": " + "; ".join(report.reasons) + "\n")
