"""What the review page shows: one utterance in context, the queue's next item, progress.

Blind mode is enforced here, on the server: a blind coder's views never contain a model
suggestion, another coder's label, or a count that depends on other coders' work.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select

from ..errors import InputError, NotFoundError
from ..records import DOMAINS
from ..store.accounts import CoderInfo
from ..store.annotations import LABELLED, iso_utc, latest_ids
from ..store.db import Store
from ..store.models import Annotation, Coder, Document, ModelVersion, Project, Suggestion, Utterance
from . import queue

ORDERS = ("document", "active")
STATUSES = ("todo", "reviewed", "skipped", "all", "uncoded")
CONTEXT = 2  # neighbouring utterances shown before and after


@dataclass
class Filters:
    """The queue's order and filters, as the page's controls and the API's query string give them."""

    order: str = "document"
    status: str = "todo"
    doc: str | None = None
    domain: str | None = None
    min_conf: float | None = None
    max_conf: float | None = None
    after: str | None = None  # the utterance shown now: "next" means the next one after it

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise InputError("order", f"unknown order {self.order!r}", hint=f"expected one of {', '.join(ORDERS)}")
        if self.status not in STATUSES:
            raise InputError("status", f"unknown status {self.status!r}", hint=f"expected one of {', '.join(STATUSES)}")
        if self.domain is not None and self.domain not in DOMAINS:
            raise InputError("domain", f"unknown domain {self.domain!r}", hint=f"expected one of {', '.join(DOMAINS)}")
        for name in ("min_conf", "max_conf"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(name, f"must be between 0 and 1, not {value}")
        self.doc = self.doc or None
        self.after = self.after or None


@dataclass
class ProjectIndex:
    """The project's codable utterances in document order with their current suggestions (cached)."""

    stamp: tuple
    ids: np.ndarray
    keys: list[str]
    docs: list[str]
    row_of: dict[int, int]
    row_of_key: dict[str, int]
    documents: list[dict[str, Any]]
    has_suggestion: np.ndarray
    domain: np.ndarray  # index into DOMAINS, -1 without a suggestion
    score: np.ndarray
    embeddings: np.ndarray | None
    model_version: str | None

    def __len__(self) -> int:
        return len(self.ids)


class IndexCache:
    """One ProjectIndex per project, rebuilt when utterances or suggestions change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, ProjectIndex] = {}

    def get(self, store: Store, project_id: int) -> ProjectIndex:
        with store.reading() as session:
            active = session.scalar(select(Project.active_model_id).where(Project.id == project_id))
            stamp = (
                active,
                session.scalar(select(func.max(Utterance.id)).where(Utterance.project_id == project_id)),
                session.scalar(select(func.max(Suggestion.id)).where(Suggestion.model_version_id == active))
                if active else None,
            )
        with self._lock:
            index = self._indexes.get(project_id)
            if index is None or index.stamp != stamp:
                index = self._indexes[project_id] = _build_index(store, project_id, active, stamp)
            return index


def _build_index(store: Store, project_id: int, active: int | None, stamp: tuple) -> ProjectIndex:
    with store.reading() as session:
        rows = session.execute(
            select(Utterance.id, Utterance.key, Document.key)
            .join(Document, Document.id == Utterance.document_id)
            .where(Utterance.project_id == project_id, Utterance.codable.is_(True))
            .order_by(Document.position, Utterance.position)
        ).all()
        documents = [
            {"key": key, "group": group, "source_type": source_type}
            for key, group, source_type in session.execute(
                select(Document.key, Document.group, Document.source_type)
                .where(Document.project_id == project_id).order_by(Document.position)
            )
        ]
        suggestions = session.execute(
            select(Suggestion.utterance_id, Suggestion.domain, Suggestion.domain_score, Suggestion.embedding)
            .where(Suggestion.model_version_id == active)
        ).all() if active else []
        version = session.scalar(select(ModelVersion.version).where(ModelVersion.id == active)) if active else None
    n = len(rows)
    row_of = {uid: i for i, (uid, _, _) in enumerate(rows)}
    has = np.zeros(n, dtype=bool)
    domain = np.full(n, -1, dtype=np.int16)
    score = np.ones(n, dtype=np.float32)
    dim = next((len(e) // 4 for *_, e in suggestions if e), 0)
    embeddings = np.zeros((n, dim), dtype=np.float32) if dim else None
    for uid, d, s, e in suggestions:
        i = row_of.get(uid)
        if i is None:
            continue
        has[i], domain[i], score[i] = True, DOMAINS.index(d) if d in DOMAINS else -1, s
        if embeddings is not None and e:
            embeddings[i] = np.frombuffer(e, dtype=np.float32)
    return ProjectIndex(
        stamp=stamp, ids=np.array([r[0] for r in rows], dtype=np.int64), keys=[r[1] for r in rows],
        docs=[r[2] for r in rows], row_of=row_of, row_of_key={r[1]: i for i, r in enumerate(rows)},
        documents=documents, has_suggestion=has, domain=domain, score=score, embeddings=embeddings,
        model_version=version,
    )


class Leases:
    """Which utterance each coder has open, so the queue gives concurrent coders different items.

    In memory: one server process (uvicorn's default) shares it; a lease lapses after ``ttl`` s.
    """

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._open: dict[tuple[int, int], tuple[int, float]] = {}  # (project, coder) -> (utterance, until)

    def hold(self, project_id: int, coder_id: int, utterance_id: int) -> None:
        with self._lock:
            self._open[(project_id, coder_id)] = (utterance_id, time.monotonic() + self.ttl)

    def held_by_others(self, project_id: int, coder_id: int) -> set[int]:
        now = time.monotonic()
        with self._lock:
            return {u for (p, c), (u, until) in self._open.items() if p == project_id and c != coder_id and until > now}


# --- the queue ----------------------------------------------------------------------------
@dataclass
class NextResult:
    key: str | None
    remaining: int
    order: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _my_state(session, project_id: int, coder_id: int) -> dict[int, tuple[str, str | None]]:
    """utterance id -> (kind, domain) of the coder's current decision."""
    rows = session.execute(
        select(Annotation.utterance_id, Annotation.kind, Annotation.domain)
        .where(Annotation.id.in_(latest_ids(project_id, coder_id=coder_id)))
    ).all()
    return {uid: (kind, domain) for uid, kind, domain in rows}


def next_item(
    store: Store, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str, filters: Filters,
    leases: Leases | None = None,
) -> NextResult:
    """Return the key of the next utterance the coder should see under ``filters``."""
    blind = mode == "blind"
    if blind and filters.status == "uncoded":
        raise InputError("status", "'uncoded' depends on other coders' work and is not shown in blind mode")
    n = len(index)
    with store.reading() as session:
        mine = _my_state(session, project_id, coder.id)
        coded_by_anyone: set[int] = set()
        if filters.status == "uncoded":
            coded_by_anyone = set(session.scalars(
                select(Annotation.utterance_id).where(
                    Annotation.id.in_(latest_ids(project_id)), Annotation.kind.in_(LABELLED)
                )
            ))
        recent = session.scalars(
            select(Annotation.utterance_id).where(Annotation.project_id == project_id, Annotation.coder_id == coder.id)
            .order_by(Annotation.id.desc()).limit(queue.RECENT)
        ).all()
    kinds = [mine.get(int(uid), ("clear", None)) for uid in index.ids]
    reviewed = np.array([k in LABELLED for k, _ in kinds], dtype=bool)
    skipped = np.array([k == "skip" for k, _ in kinds], dtype=bool)
    mask = np.ones(n, dtype=bool)
    if filters.status == "todo":
        mask &= ~reviewed & ~skipped
    elif filters.status == "reviewed":
        mask &= reviewed
    elif filters.status == "skipped":
        mask &= skipped
    elif filters.status == "uncoded":
        mask &= np.array([int(uid) not in coded_by_anyone for uid in index.ids], dtype=bool)
    if filters.doc:
        mask &= np.array([d == filters.doc for d in index.docs], dtype=bool)
    if filters.domain:
        # The code shown: the coder's own label when they have one, else (assisted) the model's.
        wanted = DOMAINS.index(filters.domain)
        own = np.array([DOMAINS.index(d) if k in LABELLED and d in DOMAINS else -2 for k, d in kinds])
        shown = np.where(own >= 0, own, -2 if blind else index.domain)
        mask &= shown == wanted
    if not blind and (filters.min_conf is not None or filters.max_conf is not None):
        lo = filters.min_conf if filters.min_conf is not None else 0.0
        hi = filters.max_conf if filters.max_conf is not None else 1.0
        mask &= index.has_suggestion & (index.score >= lo) & (index.score <= hi)
    remaining = int(mask.sum())
    current = index.row_of_key.get(filters.after) if filters.after else None
    if current is not None and filters.status != "todo":
        mask[current] = False  # "next" never returns the item on screen
    held = leases.held_by_others(project_id, coder.id) if leases else set()
    if held:
        free = mask & np.array([int(uid) not in held for uid in index.ids], dtype=bool)
        if free.any():
            mask = free
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0:
        return NextResult(None, remaining, filters.order)
    use_active = filters.order == "active" and not blind and index.has_suggestion[candidates].any()
    if not use_active:
        note = "" if filters.order == "document" else (
            "blind mode: the queue follows document order (confidence would reveal the model's view)"
            if blind else "no model suggestions yet: run `combcoder suggest`; using document order")
        start = (current + 1) if current is not None else 0
        after = candidates[candidates >= start]
        row = int(after[0]) if len(after) else int(candidates[0])
        return NextResult(index.keys[row], remaining, "document", note)
    candidates = candidates[index.has_suggestion[candidates]]
    emb = index.embeddings
    selected_rows = [index.row_of[u] for u in list(recent) + list(held) if u in index.row_of]
    selected = emb[selected_rows] if emb is not None and selected_rows else None
    pick = queue.pick_next(
        queue.uncertainty(index.score[candidates]),
        emb[candidates] if emb is not None else None,
        selected,
    )
    return NextResult(index.keys[int(candidates[pick])], remaining, "active")


# --- one item -----------------------------------------------------------------------------
def _annotation_dict(row: Annotation, coder_name: str) -> dict[str, Any]:
    return {"id": row.id, "coder": coder_name, "kind": row.kind, "domain": row.domain, "polarity": row.polarity,
            "memo": row.memo, "source": row.source, "mode": row.mode, "supersedes": row.supersedes_id,
            "created_at": iso_utc(row.created_at)}


def item_view(store: Store, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str, key: str) -> dict:
    """Return everything the page shows for one utterance, filtered for blind mode."""
    blind = mode == "blind"
    with store.reading() as session:
        row = session.execute(
            select(Utterance, Document).join(Document, Document.id == Utterance.document_id)
            .where(Utterance.project_id == project_id, Utterance.key == key)
        ).first()
        if row is None:
            raise NotFoundError(f"no utterance {key!r} in this project")
        utterance, document = row
        context = session.scalars(
            select(Utterance).where(
                Utterance.document_id == document.id,
                Utterance.position.between(utterance.position - CONTEXT, utterance.position + CONTEXT),
            ).order_by(Utterance.position)
        ).all()
        n_in_doc = session.scalar(select(func.max(Utterance.position)).where(Utterance.document_id == document.id))
        history_rows = session.execute(
            select(Annotation, Coder.name).join(Coder, Coder.id == Annotation.coder_id)
            .where(Annotation.utterance_id == utterance.id).order_by(Annotation.id)
        ).all()
        suggestion = None
        if not blind:
            active = session.scalar(select(Project.active_model_id).where(Project.id == project_id))
            if active:
                s = session.scalar(select(Suggestion).where(
                    Suggestion.utterance_id == utterance.id, Suggestion.model_version_id == active))
                if s is not None:
                    version = session.scalar(select(ModelVersion.version).where(ModelVersion.id == active))
                    suggestion = {"id": s.id, "model": version, "domain": s.domain, "domain_score": s.domain_score,
                                  "polarity": s.polarity, "polarity_score": s.polarity_score, "top": s.top}
    visible = [(a, name) for a, name in history_rows if not blind or a.coder_id == coder.id]
    latest: dict[int, tuple[Annotation, str]] = {}
    for a, name in visible:
        latest[a.coder_id] = (a, name)
    mine = latest.pop(coder.id, None)
    others = [_annotation_dict(a, name) for a, name in latest.values() if a.kind != "clear"]
    return {
        "utterance": {
            "key": utterance.key, "text": utterance.text, "speaker": utterance.speaker, "role": utterance.role,
            "group": utterance.group or document.group, "source_type": utterance.source_type,
            "turn_index": utterance.turn_index, "time_start": utterance.time_start, "codable": utterance.codable,
            "position": utterance.position + 1, "of": (n_in_doc or 0) + 1,
        },
        "document": {"key": document.key, "group": document.group, "source_type": document.source_type},
        "context": [
            {"key": c.key, "speaker": c.speaker, "role": c.role, "text": c.text, "codable": c.codable,
             "current": c.id == utterance.id, "before": c.position < utterance.position}
            for c in context
        ],
        "mode": mode,
        "suggestion": suggestion,
        "mine": _annotation_dict(*mine) if mine else None,
        "others": others,
        "history": [_annotation_dict(a, name) for a, name in visible][-12:],
        "token": max((a.id for a, _ in visible), default=None),
        "queue_row": index.row_of_key.get(key),
    }


# --- progress -----------------------------------------------------------------------------
def progress(store: Store, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str) -> dict:
    """Counts for the progress bar: the coder's own, and (assisted) the team's."""
    codable = set(int(u) for u in index.ids)
    with store.reading() as session:
        mine = _my_state(session, project_id, coder.id)
        result: dict[str, Any] = {
            "total": len(codable),
            "reviewed": sum(1 for u, (k, _) in mine.items() if u in codable and k in LABELLED),
            "skipped": sum(1 for u, (k, _) in mine.items() if u in codable and k == "skip"),
            "model": None if mode == "blind" else index.model_version,
        }
        if mode != "blind":
            rows = session.execute(
                select(Annotation.utterance_id, Coder.name, Annotation.kind)
                .join(Coder, Coder.id == Annotation.coder_id)
                .where(Annotation.id.in_(latest_ids(project_id)))
            ).all()
            labelled = [(u, name) for u, name, k in rows if k in LABELLED and u in codable]
            result["coded_by_anyone"] = len({u for u, _ in labelled})
            if coder.is_admin:
                per: dict[str, int] = {}
                for _, name in labelled:
                    per[name] = per.get(name, 0) + 1
                result["by_coder"] = dict(sorted(per.items()))
    result["percent"] = round(100.0 * result["reviewed"] / result["total"], 1) if result["total"] else 0.0
    return result
