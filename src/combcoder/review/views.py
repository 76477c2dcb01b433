"""What the review page shows: one utterance in context, the queue's next item, progress.

Blind mode is enforced here, on the server: a blind coder's views never contain a model
suggestion, another coder's label, or a count that depends on other coders' work.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    docs: np.ndarray  # document key per utterance
    row_of: dict[int, int]
    row_of_key: dict[str, int]
    documents: list[dict[str, Any]]
    doc_sizes: dict[int, int]  # document id -> number of utterances (codable or not)
    has_suggestion: np.ndarray
    domain: np.ndarray  # index into DOMAINS, -1 without a suggestion
    score: np.ndarray
    embeddings: np.ndarray | None
    model_id: int | None
    model_version: str | None

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, utterance_ids) -> np.ndarray:
        """Rows of the given utterance ids (ids of uncodable utterances are left out)."""
        return np.array([self.row_of[u] for u in utterance_ids if u in self.row_of], dtype=np.int64)


class IndexCache:
    """One ProjectIndex per project, rebuilt when utterances or suggestions change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, ProjectIndex] = {}

    def get(self, store: Store, project_id: int, session: Session | None = None) -> ProjectIndex:
        if session is None:
            with store.reading() as session:
                return self.get(store, project_id, session)
        active = select(Project.active_model_id).where(Project.id == project_id).scalar_subquery()
        stamp = tuple(session.execute(select(
            active,
            select(func.max(Utterance.id)).where(Utterance.project_id == project_id).scalar_subquery(),
            select(func.max(Suggestion.id)).where(Suggestion.model_version_id == active).scalar_subquery(),
        )).one())
        with self._lock:
            index = self._indexes.get(project_id)
            if index is None or index.stamp != stamp:
                index = self._indexes[project_id] = _build_index(store, project_id, stamp[0], stamp)
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
        doc_sizes = dict(session.execute(
            select(Utterance.document_id, func.count()).where(Utterance.project_id == project_id)
            .group_by(Utterance.document_id)
        ).all())
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
        docs=np.array([r[2] for r in rows], dtype=object), row_of=row_of,
        row_of_key={r[1]: i for i, r in enumerate(rows)}, documents=documents, doc_sizes=doc_sizes,
        has_suggestion=has, domain=domain, score=score, embeddings=embeddings, model_id=active,
        model_version=version,
    )


class Leases:
    """Which utterance each coder has open, so the queue gives concurrent coders different items.

    In memory: one server process (uvicorn's default) shares it; a lease lapses after ``ttl`` s.
    ``pick`` chooses and claims under one lock, so two coders asking at the same moment never
    get the same utterance while another one is free.
    """

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._open: dict[tuple[int, int], tuple[int, float]] = {}  # (project, coder) -> (utterance, until)

    def _others(self, project_id: int, coder_id: int) -> set[int]:
        now = time.monotonic()
        return {u for (p, c), (u, until) in self._open.items() if p == project_id and c != coder_id and until > now}

    def held_by_others(self, project_id: int, coder_id: int) -> set[int]:
        with self._lock:
            return self._others(project_id, coder_id)

    def hold(self, project_id: int, coder_id: int, utterance_id: int) -> None:
        with self._lock:
            self._open[(project_id, coder_id)] = (utterance_id, time.monotonic() + self.ttl)

    def pick(self, project_id: int, coder_id: int, choose) -> int | None:
        """Call ``choose(held_by_others)`` -> utterance id or None, and hold the result, atomically."""
        with self._lock:
            chosen = choose(self._others(project_id, coder_id))
            if chosen is not None:
                self._open[(project_id, coder_id)] = (chosen, time.monotonic() + self.ttl)
            return chosen


# --- the queue ----------------------------------------------------------------------------
@dataclass
class NextResult:
    key: str | None
    remaining: int
    order: str
    note: str = ""


def _my_state(session, project_id: int, coder_id: int) -> list[tuple[int, str, str | None]]:
    """(utterance id, kind, domain) of each of the coder's current decisions."""
    return session.execute(
        select(Annotation.utterance_id, Annotation.kind, Annotation.domain)
        .where(Annotation.id.in_(latest_ids(project_id, coder_id=coder_id)))
    ).all()


def next_item(
    session: Session, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str, filters: Filters,
    leases: Leases | None = None,
) -> NextResult:
    """Return the key of the next utterance the coder should see under ``filters``, and hold it.

    With ``leases``, utterances other coders have open are avoided while others are left.
    """
    blind = mode == "blind"
    if blind and filters.status == "uncoded":
        raise InputError("status", "'uncoded' depends on other coders' work and is not shown in blind mode")
    n = len(index)
    mine = _my_state(session, project_id, coder.id)
    coded_by_anyone: list[int] = []
    if filters.status == "uncoded":
        coded_by_anyone = list(session.scalars(
            select(Annotation.utterance_id).where(
                Annotation.id.in_(latest_ids(project_id)), Annotation.kind.in_(LABELLED))
        ))
    recent = session.scalars(
        select(Annotation.utterance_id).where(Annotation.project_id == project_id, Annotation.coder_id == coder.id)
        .order_by(Annotation.id.desc()).limit(queue.RECENT)
    ).all()
    reviewed = np.zeros(n, dtype=bool)
    skipped = np.zeros(n, dtype=bool)
    own_domain = np.full(n, -2, dtype=np.int16)
    for uid, kind, domain in mine:
        row = index.row_of.get(uid)
        if row is None:
            continue
        if kind in LABELLED:
            reviewed[row] = True
            own_domain[row] = DOMAINS.index(domain) if domain in DOMAINS else -2
        elif kind == "skip":
            skipped[row] = True
    mask = np.ones(n, dtype=bool)
    if filters.status == "todo":
        mask &= ~reviewed & ~skipped
    elif filters.status == "reviewed":
        mask &= reviewed
    elif filters.status == "skipped":
        mask &= skipped
    elif filters.status == "uncoded":
        mask[index.rows(coded_by_anyone)] = False
    if filters.doc:
        mask &= index.docs == filters.doc
    if filters.domain:
        # The code shown: the coder's own label when they have one, else (assisted) the model's.
        shown = np.where(own_domain >= 0, own_domain, -2 if blind else index.domain)
        mask &= shown == DOMAINS.index(filters.domain)
    if not blind and (filters.min_conf is not None or filters.max_conf is not None):
        lo = filters.min_conf if filters.min_conf is not None else 0.0
        hi = filters.max_conf if filters.max_conf is not None else 1.0
        mask &= index.has_suggestion & (index.score >= lo) & (index.score <= hi)
    remaining = int(mask.sum())
    current = index.row_of_key.get(filters.after) if filters.after else None
    if current is not None:
        mask[current] = False  # "next" never returns the item on screen
    use_active = filters.order == "active" and not blind and bool(index.has_suggestion[mask].any())
    emb = index.embeddings
    recent_rows = index.rows(recent)
    note = "" if use_active or filters.order == "document" else (
        "blind mode: the queue follows document order (confidence would reveal the model's view)"
        if blind else "no model suggestions yet: run `combcoder suggest`; using document order")

    def choose(held: set[int]) -> int | None:
        candidates = mask
        busy = index.rows(held)
        if len(busy):
            free = mask.copy()
            free[busy] = False
            if free.any():  # when everything left is open elsewhere, share rather than stop
                candidates = free
        rows = np.flatnonzero(candidates)
        if len(rows) == 0:
            return None
        if not use_active:
            start = (current + 1) if current is not None else 0
            after = rows[rows >= start]
            return int(index.ids[after[0] if len(after) else rows[0]])
        rows = rows[index.has_suggestion[rows]]
        in_view = np.concatenate([recent_rows, busy]) if len(busy) else recent_rows
        pick = queue.pick_next(queue.uncertainty(index.score[rows]), emb,
                               emb[in_view] if emb is not None and len(in_view) else None, rows=rows)
        return int(index.ids[rows[pick]])

    chosen = leases.pick(project_id, coder.id, choose) if leases else choose(set())
    key = index.keys[index.row_of[chosen]] if chosen is not None else None
    return NextResult(key, remaining, "active" if use_active else "document", note if key else "")


# --- one item -----------------------------------------------------------------------------
def _annotation_dict(row: Annotation, coder_name: str) -> dict[str, Any]:
    return {"id": row.id, "coder": coder_name, "kind": row.kind, "domain": row.domain, "polarity": row.polarity,
            "memo": row.memo, "source": row.source, "mode": row.mode, "supersedes": row.supersedes_id,
            "created_at": iso_utc(row.created_at)}


def item_view(session: Session, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str, key: str) -> dict:
    """Return everything the page shows for one utterance, filtered for blind mode."""
    blind = mode == "blind"
    row = session.execute(
        select(Utterance, Document.key, Document.group, Document.source_type)
        .join(Document, Document.id == Utterance.document_id)
        .where(Utterance.project_id == project_id, Utterance.key == key)
    ).first()
    if row is None:
        raise NotFoundError(f"no utterance {key!r} in this project")
    utterance, doc_key, doc_group, doc_source = row
    context = session.execute(
        select(Utterance.id, Utterance.key, Utterance.speaker, Utterance.role, Utterance.text, Utterance.codable,
               Utterance.position)
        .where(Utterance.document_id == utterance.document_id,
               Utterance.position.between(utterance.position - CONTEXT, utterance.position + CONTEXT))
        .order_by(Utterance.position)
    ).all()
    history_rows = session.execute(
        select(Annotation, Coder.name).join(Coder, Coder.id == Annotation.coder_id)
        .where(Annotation.utterance_id == utterance.id).order_by(Annotation.id)
    ).all()
    suggestion = None
    if not blind and index.model_id:
        s = session.scalar(select(Suggestion).where(
            Suggestion.utterance_id == utterance.id, Suggestion.model_version_id == index.model_id))
        if s is not None:
            suggestion = {"id": s.id, "model": index.model_version, "domain": s.domain,
                          "domain_score": s.domain_score, "polarity": s.polarity,
                          "polarity_score": s.polarity_score, "top": s.top}
    visible = [(a, name) for a, name in history_rows if not blind or a.coder_id == coder.id]
    latest: dict[int, tuple[Annotation, str]] = {}
    for a, name in visible:
        latest[a.coder_id] = (a, name)
    mine = latest.pop(coder.id, None)
    others = [_annotation_dict(a, name) for a, name in latest.values() if a.kind != "clear"]
    return {
        "utterance": {
            "key": utterance.key, "text": utterance.text, "speaker": utterance.speaker, "role": utterance.role,
            "group": utterance.group or doc_group, "source_type": utterance.source_type,
            "turn_index": utterance.turn_index, "time_start": utterance.time_start, "codable": utterance.codable,
            "position": utterance.position + 1, "of": index.doc_sizes.get(utterance.document_id, 0),
        },
        "document": {"key": doc_key, "group": doc_group, "source_type": doc_source},
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
def progress(session: Session, index: ProjectIndex, project_id: int, coder: CoderInfo, mode: str) -> dict:
    """Counts for the progress bar: the coder's own, and (assisted) the team's; counted by the database."""
    codable_latest = (
        select(Annotation.utterance_id, Annotation.kind, Annotation.coder_id)
        .join(Utterance, Utterance.id == Annotation.utterance_id)
        .where(Utterance.codable.is_(True))
    )
    mine = dict(session.execute(
        select(Annotation.kind, func.count()).join(Utterance, Utterance.id == Annotation.utterance_id)
        .where(Annotation.id.in_(latest_ids(project_id, coder_id=coder.id)), Utterance.codable.is_(True))
        .group_by(Annotation.kind)
    ).all())
    result: dict[str, Any] = {
        "total": len(index),
        "reviewed": sum(mine.get(k, 0) for k in LABELLED),
        "skipped": mine.get("skip", 0),
        "model": None if mode == "blind" else index.model_version,
    }
    if mode != "blind":
        labelled = codable_latest.where(
            Annotation.id.in_(latest_ids(project_id)), Annotation.kind.in_(LABELLED)).subquery()
        result["coded_by_anyone"] = session.scalar(
            select(func.count(func.distinct(labelled.c.utterance_id))))
        if coder.is_admin:
            result["by_coder"] = dict(session.execute(
                select(Coder.name, func.count()).join(labelled, labelled.c.coder_id == Coder.id)
                .group_by(Coder.name).order_by(Coder.name)
            ).all())
    result["percent"] = round(100.0 * result["reviewed"] / result["total"], 1) if result["total"] else 0.0
    return result
