"""Put transcripts and model suggestions into the store.

``ingest`` reuses the pipeline's readers and segmenter, so the store holds exactly the
utterances (ids, offsets, speakers) that ``combcoder code`` writes. Re-ingesting a document
with the same id and text changes nothing; the same id with different text is refused, because
annotations point at the old utterances and are never rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from .. import records
from ..errors import InputError
from .accounts import get_project
from .db import Store
from .models import Document, ModelVersion, Project, Suggestion, Utterance


@dataclass
class IngestSummary:
    """What ``ingest`` added, found unchanged, and could not read."""

    documents_added: int = 0
    documents_unchanged: int = 0
    utterances_added: int = 0
    codable_added: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def ingest(
    store: Store,
    project: str | None,
    paths: Iterable[str | Path],
    *,
    manifest: str | Path | None = None,
    segmenter=None,
    on_document: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Read, segment and store transcripts in ``project``; a file that fails is reported, not fatal."""
    from ..ingest import iter_sources, read_source
    from ..segment import Segmenter

    project_row = get_project(store, project)
    segmenter = segmenter or Segmenter()
    summary = IngestSummary()
    for source in iter_sources(list(paths), manifest):
        try:
            document = read_source(source)
            summary.warnings += [(document.path, w) for w in document.metadata.get("warnings", [])]
            added = add_document(store, project_row.id, document, segmenter.segment(document))
        except InputError as error:
            summary.failed.append((str(source.path), str(error)))
            continue
        finally:
            if on_document:
                on_document(str(source.path))
        if added is None:
            summary.documents_unchanged += 1
        else:
            summary.documents_added += 1
            summary.utterances_added += added[0]
            summary.codable_added += added[1]
    return summary


def add_document(
    store: Store, project_id: int, document: records.Document, utterances: Sequence[records.Utterance]
) -> tuple[int, int] | None:
    """Store one document and its utterances; return (utterances, codable), or None if unchanged."""
    digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    with store.writing() as session:
        existing = session.scalar(
            select(Document).where(Document.project_id == project_id, Document.key == document.id)
        )
        if existing is not None:
            if existing.text_sha256 == digest:
                return None
            raise InputError(
                document.path, f"document id {document.id!r} is already in the project with different text",
                hint="annotations point at the stored version; give the new version another id in the manifest",
            )
        position = session.scalar(select(func.count()).where(Document.project_id == project_id)) or 0
        meta = {k: v for k, v in document.metadata.items() if _is_json_scalar(v) or k == "warnings"}
        row = Document(
            project_id=project_id, key=document.id, path=str(document.path), group=document.group,
            source_type=document.source_type, text=document.text, text_sha256=digest, meta=meta,
            position=position,
        )
        session.add(row)
        session.flush()
        session.add_all(
            Utterance(
                project_id=project_id, document_id=row.id, key=u.id, position=i, turn_index=u.turn_index,
                start=u.start, end=u.end, text=u.text, speaker=u.speaker, role=u.role, group=u.group,
                source_type=u.source_type, codable=u.codable, skip_reason=u.skip_reason,
                time_start=u.time_start, time_end=u.time_end,
            )
            for i, u in enumerate(utterances)
        )
    return len(utterances), sum(1 for u in utterances if u.codable)


def _is_json_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


@dataclass
class SuggestSummary:
    """What ``suggest`` stored: the model version and how many suggestions were new."""

    model: str
    added: int
    already: int


def register_model_version(store: Store, version: str, kind: str = "", path: str = "",
                           retrain_report: dict | None = None) -> int:
    """Return the id of ``version`` in the store, adding it (or its retrain report) if needed."""
    with store.writing() as session:
        row = session.scalar(select(ModelVersion).where(ModelVersion.version == version))
        if row is None:
            row = ModelVersion(version=version, kind=kind, path=path, retrain_report=retrain_report)
            session.add(row)
            session.flush()
        elif retrain_report is not None:
            row.retrain_report = retrain_report
        return row.id


def suggest(
    store: Store,
    project: str | None,
    model: str | Path | None = None,
    *,
    classifier=None,
    models_root: str | Path | None = None,
    batch_size: int = 256,
    on_batch: Callable[[int], None] | None = None,
) -> SuggestSummary:
    """Run a model (default: the promoted one) on the project's codable utterances.

    ``model`` is a registry version or a model folder; ``classifier`` an already loaded model.
    Stores each suggestion with the utterance's embedding (for the active-learning queue) and
    makes this model the one whose suggestions the review page shows.
    """
    if batch_size < 1:
        raise InputError("batch_size", "must be at least 1")
    project_row = get_project(store, project)
    path = ""
    if classifier is None:
        from ..classify import load_classifier
        from ..registry import resolve_model

        folder = resolve_model(model, Path(models_root) if models_root else None)
        classifier, path = load_classifier(folder), str(folder)
    model_id = register_model_version(store, classifier.version, getattr(classifier, "kind", ""), path)
    with store.reading() as session:
        done = select(Suggestion.utterance_id).where(Suggestion.model_version_id == model_id)
        todo = session.execute(
            select(Utterance.id, Utterance.key, Utterance.text)
            .where(Utterance.project_id == project_row.id, Utterance.codable.is_(True), Utterance.id.not_in(done))
            .order_by(Utterance.id)
        ).all()
        total = session.scalar(
            select(func.count()).where(Utterance.project_id == project_row.id, Utterance.codable.is_(True))
        )
    for b in range(0, len(todo), batch_size):
        batch = todo[b : b + batch_size]
        texts = [t for _, _, t in batch]
        suggestions = classifier.suggest([k for _, k, _ in batch], texts)
        vectors = embed_texts(classifier, texts)
        with store.writing() as session:
            session.add_all(
                Suggestion(
                    utterance_id=uid, model_version_id=model_id, domain=s.domain, domain_score=s.domain_score,
                    polarity=s.polarity, polarity_score=s.polarity_score,
                    top=[{"domain": d.domain, "score": d.score} for d in s.suggestions],
                    embedding=None if vectors is None else vectors[i].astype(np.float32).tobytes(),
                )
                for i, ((uid, _, _), s) in enumerate(zip(batch, suggestions, strict=True))
            )
        if on_batch:
            on_batch(len(batch))
    with store.writing() as session:
        session.get(Project, project_row.id).active_model_id = model_id
    return SuggestSummary(classifier.version, len(todo), total - len(todo))


def embed_texts(classifier, texts: Sequence[str]) -> np.ndarray | None:
    """Return normalised embeddings from the classifier's encoder, or None if it has none."""
    if hasattr(classifier, "embed"):
        vectors = np.asarray(classifier.embed(list(texts)), dtype=np.float32)
    elif getattr(classifier, "embedder", None) is not None:
        vectors = np.asarray(classifier.embedder.encode(list(texts)), dtype=np.float32)
    else:
        return None
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
