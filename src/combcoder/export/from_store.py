"""Read a project from the review store for export: texts, utterances, the newest model's
suggestions and every coder's current decision (codes and adjudications)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..records import Document, Turn
from .project import Annotation, Project


def load_store_project(db: str | Path | None, project: str | None = None) -> Project:
    """Return a store project as documents and annotations (model and human)."""
    from sqlalchemy import func, select

    from ..store import current_decisions, get_project, open_store
    from ..store.models import ModelVersion, Suggestion, Utterance
    from ..store.models import Document as StoredDocument

    store = open_store(db)
    try:
        project_row = get_project(store, project)
        with store.reading() as session:
            stored = session.scalars(select(StoredDocument).where(StoredDocument.project_id == project_row.id)
                                     .order_by(StoredDocument.position)).all()
            utterances = session.scalars(select(Utterance).where(Utterance.project_id == project_row.id)
                                         .order_by(Utterance.document_id, Utterance.position)).all()
            newest = (select(func.max(Suggestion.id)).join(Utterance, Utterance.id == Suggestion.utterance_id)
                      .where(Utterance.project_id == project_row.id).group_by(Suggestion.utterance_id))
            suggestions = session.execute(
                select(Suggestion, ModelVersion.version).join(ModelVersion, ModelVersion.id == Suggestion.model_version_id)
                .where(Suggestion.id.in_(newest))).all()
            decisions = current_decisions(session, project_row.id)
            documents = _documents(stored, utterances)
            by_id = {u.id: u for u in utterances}
            keys = {u.key: u for u in utterances}
            doc_keys = {d.id: d.key for d in stored}
            annotations = []
            for suggestion, version in suggestions:
                u = by_id[suggestion.utterance_id]
                annotations.append(Annotation(
                    u.key, doc_keys[u.document_id], u.start, u.end, u.text, suggestion.domain, suggestion.polarity,
                    version, "model", suggestion.domain_score, suggestion.polarity_score, list(suggestion.top or []),
                    u.speaker))
            for row, key, coder in decisions:
                if row.kind not in ("code", "adjudication"):
                    continue
                u = keys[key]
                name = coder if row.kind == "code" else f"{coder} (adjudication)"
                annotations.append(Annotation(key, doc_keys[u.document_id], u.start, u.end, u.text, row.domain,
                                              row.polarity, name, "human", speaker=u.speaker, note=row.memo or None))
    finally:
        store.close()
    return Project(project_row.name, documents, annotations)


def _documents(stored, utterances) -> list[Document]:
    """Rebuild each document's turns from its utterances (a turn spans its utterances)."""
    turns: dict[int, dict[int, Turn]] = defaultdict(dict)
    for u in utterances:
        turn = turns[u.document_id].get(u.turn_index)
        if turn is None:
            turns[u.document_id][u.turn_index] = Turn(u.turn_index, u.speaker, u.role, u.start, u.end,
                                                      time_start=u.time_start, time_end=u.time_end)
        else:
            turn.start, turn.end = min(turn.start, u.start), max(turn.end, u.end)
            turn.time_end = u.time_end if u.time_end is not None else turn.time_end
    return [Document(d.key, d.path, d.text, sorted(turns[d.id].values(), key=lambda t: t.start), d.group,
                     d.source_type, dict(d.meta or {})) for d in stored]
