"""Append annotations, read each coder's current decision, import and export them.

Every change is a new row. A coder's decision on an utterance is their latest row there; the
row it replaced is named by ``supersedes_id``. Saving checks optimistic concurrency: the client
sends the id of the newest annotation of the utterance it was shown (``base``), and if a newer
one exists the save is refused with :class:`~combcoder.errors.ConflictError` (HTTP 409), never
applied over it. What counts as "shown" depends on the mode: in assisted mode coders see every
coder's labels, so any newer annotation conflicts; in blind mode only the coder's own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..errors import ConflictError, InputError, NotFoundError, StoreError
from ..jsonl import is_whole_number, iter_objects
from ..records import DOMAINS, POLARITIES
from .accounts import CoderInfo, get_coder, get_project
from .db import Store
from .models import Annotation, Coder, Document, Utterance

LABELLED = ("code", "adjudication")
MAX_MEMO = 5000


class _NoCheck:
    def __repr__(self) -> str:
        return "NO_CHECK"


NO_CHECK: Any = _NoCheck()  # ``base`` for writes that skip the concurrency check (imports)


@dataclass(frozen=True)
class AnnotationRecord:
    """One annotation as the API, the export and the tests see it."""

    id: int
    utterance: str
    coder: str
    kind: str
    domain: str | None
    polarity: str | None
    memo: str
    source: str
    mode: str
    supersedes: int | None
    suggestion_id: int | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def labelled(self) -> bool:
        return self.kind in LABELLED


def iso_utc(moment: datetime) -> str:
    """Return an ISO timestamp in UTC (SQLite hands back naive datetimes that were stored as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def to_record(row: Annotation, utterance_key: str, coder_name: str) -> AnnotationRecord:
    return AnnotationRecord(
        row.id, utterance_key, coder_name, row.kind, row.domain, row.polarity, row.memo, row.source,
        row.mode, row.supersedes_id, row.suggestion_id, iso_utc(row.created_at),
    )


def check_label(domain: str | None, polarity: str | None) -> tuple[str, str]:
    """Validate a (domain, polarity) pair; "none" is always neutral."""
    if domain not in DOMAINS:
        raise InputError("domain", f"unknown domain {domain!r}", hint=f"expected one of {', '.join(DOMAINS)}")
    if domain == "none":
        if polarity not in (None, "neutral"):
            raise InputError("polarity", f"the domain 'none' is always neutral, not {polarity!r}")
        return domain, "neutral"
    if polarity not in POLARITIES:
        raise InputError("polarity", f"unknown polarity {polarity!r}", hint=f"expected one of {', '.join(POLARITIES)}")
    return domain, polarity


def _lock_utterance(session: Session, project_id: int, key: str) -> Utterance:
    # FOR UPDATE serialises writers of one utterance on PostgreSQL; SQLite writers are already
    # serialised by BEGIN IMMEDIATE (SQLAlchemy renders no FOR UPDATE there).
    utterance = session.scalar(
        select(Utterance).where(Utterance.project_id == project_id, Utterance.key == key).with_for_update()
    )
    if utterance is None:
        raise NotFoundError(f"no utterance {key!r} in this project")
    return utterance


def visible_token(session: Session, utterance_id: int, coder_id: int, blind: bool) -> int | None:
    """Return the id of the newest annotation of the utterance that the coder can see."""
    query = select(func.max(Annotation.id)).where(Annotation.utterance_id == utterance_id)
    if blind:
        query = query.where(Annotation.coder_id == coder_id)
    return session.scalar(query)


def _latest_own(session: Session, utterance_id: int, coder_id: int) -> Annotation | None:
    return session.scalar(
        select(Annotation)
        .where(Annotation.utterance_id == utterance_id, Annotation.coder_id == coder_id)
        .order_by(Annotation.id.desc())
        .limit(1)
    )


def _check_base(session: Session, utterance: Utterance, coder: CoderInfo, mode: str, base) -> None:
    if base is NO_CHECK:
        return
    token = visible_token(session, utterance.id, coder.id, blind=mode == "blind")
    if token != base:
        current = session.get(Annotation, token) if token is not None else None
        who = session.get(Coder, current.coder_id).name if current is not None else None
        raise ConflictError(
            f"utterance {utterance.key} changed since you opened it"
            + (f" ({who} saved annotation {token})" if who else "") + ": reload it and decide again",
            current=None if current is None else to_record(current, utterance.key, who).to_dict(),
        )


def save_annotation(
    store: Store,
    project_id: int,
    coder: CoderInfo,
    utterance_key: str,
    *,
    kind: str = "code",
    domain: str | None = None,
    polarity: str | None = None,
    memo: str = "",
    source: str = "manual",
    mode: str = "assisted",
    base: int | None = NO_CHECK,
    suggestion_id: int | None = None,
) -> AnnotationRecord:
    """Append one decision of ``coder`` on an utterance; it supersedes their previous one.

    ``base`` is the newest annotation id the client saw (None: it saw none); a mismatch raises
    ConflictError. Pass NO_CHECK only for writes that are not based on a page view (imports).
    """
    if kind in LABELLED:
        domain, polarity = check_label(domain, polarity)
    elif kind == "skip":
        domain = polarity = None
    else:
        raise InputError("kind", f"unknown annotation kind {kind!r}", hint="expected code, skip or adjudication")
    if kind == "adjudication" and not coder.is_admin:
        raise StoreError("only an admin can adjudicate")
    if len(memo or "") > MAX_MEMO:
        raise InputError("memo", f"too long ({len(memo)} characters; at most {MAX_MEMO})")
    with store.writing() as session:
        utterance = _lock_utterance(session, project_id, utterance_key)
        _check_base(session, utterance, coder, mode, base)
        previous = _latest_own(session, utterance.id, coder.id)
        row = Annotation(
            project_id=project_id, utterance_id=utterance.id, coder_id=coder.id, kind=kind, domain=domain,
            polarity=polarity, memo=memo or "", source=source, mode=mode,
            supersedes_id=previous.id if previous else None, suggestion_id=suggestion_id,
        )
        session.add(row)
        session.flush()
        return to_record(row, utterance.key, coder.name)


def undo_annotation(
    store: Store, project_id: int, coder: CoderInfo, utterance_key: str, *, mode: str = "assisted",
    base: int | None = NO_CHECK,
) -> AnnotationRecord:
    """Undo the coder's latest change on an utterance by appending a row that restores the state before it."""
    with store.writing() as session:
        utterance = _lock_utterance(session, project_id, utterance_key)
        _check_base(session, utterance, coder, mode, base)
        latest = _latest_own(session, utterance.id, coder.id)
        if latest is None:
            raise StoreError(f"nothing to undo: you have not annotated {utterance_key}")
        before = session.get(Annotation, latest.supersedes_id) if latest.supersedes_id else None
        row = Annotation(
            project_id=project_id, utterance_id=utterance.id, coder_id=coder.id,
            kind=before.kind if before else "clear",
            domain=before.domain if before else None, polarity=before.polarity if before else None,
            memo=before.memo if before else "", source="undo", mode=mode, supersedes_id=latest.id,
            suggestion_id=before.suggestion_id if before else None,
        )
        session.add(row)
        session.flush()
        return to_record(row, utterance.key, coder.name)


def latest_ids(project_id: int, *, coder_id: int | None = None, upto: int | None = None):
    """A subquery of the newest annotation id per (coder, utterance)."""
    query = select(func.max(Annotation.id).label("id")).where(Annotation.project_id == project_id)
    if coder_id is not None:
        query = query.where(Annotation.coder_id == coder_id)
    if upto is not None:
        query = query.where(Annotation.id <= upto)
    return query.group_by(Annotation.coder_id, Annotation.utterance_id)


def current_decisions(
    session: Session, project_id: int, *, coder_id: int | None = None, upto: int | None = None
) -> list[tuple[Annotation, str, str]]:
    """Return (annotation, utterance key, coder name) for each coder's latest row per utterance."""
    rows = session.execute(
        select(Annotation, Utterance.key, Coder.name)
        .join(Utterance, Utterance.id == Annotation.utterance_id)
        .join(Coder, Coder.id == Annotation.coder_id)
        .where(Annotation.id.in_(latest_ids(project_id, coder_id=coder_id, upto=upto)))
        .order_by(Annotation.id)
    ).all()
    return [(a, key, name) for a, key, name in rows]


def history(store: Store, project_id: int, *, utterance_key: str | None = None,
            coder_id: int | None = None) -> list[AnnotationRecord]:
    """Every annotation of the project (or of one utterance, or one coder), oldest first."""
    with store.reading() as session:
        query = (
            select(Annotation, Utterance.key, Coder.name)
            .join(Utterance, Utterance.id == Annotation.utterance_id)
            .join(Coder, Coder.id == Annotation.coder_id)
            .where(Annotation.project_id == project_id)
            .order_by(Annotation.id)
        )
        if utterance_key is not None:
            query = query.where(Utterance.key == utterance_key)
        if coder_id is not None:
            query = query.where(Annotation.coder_id == coder_id)
        return [to_record(a, key, name) for a, key, name in session.execute(query)]


# --- snapshot (what a retrain saw) --------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """The annotations a retrain used: every row with id <= ``max_id``, their count and hash."""

    project: str
    max_id: int
    count: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def take_snapshot(store: Store, project: str | None) -> tuple[Snapshot, list[AnnotationRecord]]:
    """Return the snapshot of the project's annotations now, and the rows it covers."""
    project_row = get_project(store, project)
    # On PostgreSQL, ids come from a sequence and a writer may commit a lower id after a higher
    # one: SHARE mode waits for in-flight inserts and holds new ones off while we read, so every
    # id <= max_id is committed and in ``rows``. SQLite has one writer at a time anyway.
    with (store.reading() if store.is_sqlite else store.writing()) as session:
        if not store.is_sqlite:
            session.execute(text("LOCK TABLE annotations IN SHARE MODE"))
        max_id = session.scalar(select(func.max(Annotation.id)).where(Annotation.project_id == project_row.id)) or 0
        rows = session.execute(
            select(Annotation, Utterance.key, Coder.name)
            .join(Utterance, Utterance.id == Annotation.utterance_id)
            .join(Coder, Coder.id == Annotation.coder_id)
            .where(Annotation.project_id == project_row.id, Annotation.id <= max_id)
            .order_by(Annotation.id)
        ).all()
    records = [to_record(a, key, name) for a, key, name in rows]
    digest = hashlib.sha256()
    for r in records:
        digest.update(json.dumps([r.id, r.utterance, r.coder, r.kind, r.domain, r.polarity, r.supersedes],
                                 ensure_ascii=False).encode("utf-8") + b"\n")
    return Snapshot(project_row.name, max_id, len(records), digest.hexdigest()), records


# --- import and export --------------------------------------------------------------------
@dataclass
class ImportSummary:
    """What an import appended and what it found already decided the same way."""

    lines: int = 0
    added: int = 0
    unchanged: int = 0


def import_annotations(
    store: Store, project: str | None, path: str | Path, coder: str, *, adjudicate: bool = False,
    mode: str = "blind",
) -> ImportSummary:
    """Append a coder's decisions from JSONL lines ``{"id" or "utterance", "domain", "polarity", "memo"?}``.

    An utterance can also be named by ``{"doc", "start", "end"}`` (character offsets). Every line
    is checked before anything is written; a line equal to the coder's current decision is
    counted as unchanged and not appended again. ``mode`` records how the codes were made
    (default blind: without this tool's suggestions).
    """
    path = Path(path)
    project_row = get_project(store, project)
    coder_info = get_coder(store, coder)
    if adjudicate and not coder_info.is_admin:
        raise StoreError(f"{coder} is not an admin: only admins adjudicate")
    wanted = _read_import_lines(path)
    with store.reading() as session:
        keys = dict(session.execute(
            select(Utterance.key, Utterance.id).where(Utterance.project_id == project_row.id)
        ).all())
        spans = {
            (doc, start, end): key
            for key, doc, start, end in session.execute(
                select(Utterance.key, Document.key, Utterance.start, Utterance.end)
                .join(Document, Document.id == Utterance.document_id)
                .where(Utterance.project_id == project_row.id)
            )
        }
    resolved = []
    for number, ref, domain, polarity, memo in wanted:
        key = ref if isinstance(ref, str) else spans.get(ref)
        if key not in keys:
            raise InputError(path, f"no utterance {ref!r} in project {project_row.name!r}", where=f"line {number}",
                             hint="use the utterance ids from `combcoder annotations export` or utterances.jsonl")
        resolved.append((key, domain, polarity, memo))
    summary = ImportSummary(lines=len(resolved))
    kind = "adjudication" if adjudicate else "code"
    with store.writing() as session:
        for key, domain, polarity, memo in resolved:
            utterance = _lock_utterance(session, project_row.id, key)
            previous = _latest_own(session, utterance.id, coder_info.id)
            if previous is not None and (previous.kind, previous.domain, previous.polarity, previous.memo) == (
                kind, domain, polarity, memo
            ):
                summary.unchanged += 1
                continue
            session.add(Annotation(
                project_id=project_row.id, utterance_id=utterance.id, coder_id=coder_info.id, kind=kind,
                domain=domain, polarity=polarity, memo=memo, source="import", mode=mode,
                supersedes_id=previous.id if previous else None,
            ))
            session.flush()
            summary.added += 1
    return summary


def _read_import_lines(path: Path) -> list[tuple[int, Any, str, str, str]]:
    out = []
    for number, row in iter_objects(path):
        ref = row.get("id", row.get("utterance"))
        if ref is None and {"doc", "start", "end"} <= row.keys():
            start, end = row["start"], row["end"]
            if not (is_whole_number(start) and is_whole_number(end)):
                raise InputError(path, '"start" and "end" must be whole numbers', where=f"line {number}")
            ref = (str(row["doc"]), start, end)
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            raise InputError(path, 'missing "id" (or "utterance", or "doc" + "start" + "end")', where=f"line {number}")
        try:
            domain, polarity = check_label(row.get("domain"), row.get("polarity"))
        except InputError as error:
            raise InputError(path, error.reason, where=f"line {number}", hint=error.hint) from None
        memo = row.get("memo") or ""
        if not isinstance(memo, str) or len(memo) > MAX_MEMO:
            raise InputError(path, f"memo must be text of at most {MAX_MEMO} characters", where=f"line {number}")
        out.append((number, ref, domain, polarity, memo))
    if not out:
        raise InputError(path, "no annotation lines")
    return out


def export_annotations(
    store: Store, project: str | None, out: TextIO, *, coder: str | None = None, all_rows: bool = False,
) -> int:
    """Write JSONL: each coder's current labelled decision per utterance (or, ``all_rows``, every row).

    Lines carry ``id`` (the utterance), ``domain`` and ``polarity`` like the model's output, so a
    file per coder (``coder=NAME``) feeds ``combcoder agree`` directly. Returns the line count.
    """
    project_row = get_project(store, project)
    coder_id = get_coder(store, coder).id if coder else None
    with store.reading() as session:
        texts = dict(session.execute(
            select(Utterance.key, Utterance.text).where(Utterance.project_id == project_row.id)
        ).all())
        docs = dict(session.execute(
            select(Utterance.key, Document.key).join(Document, Document.id == Utterance.document_id)
            .where(Utterance.project_id == project_row.id)
        ).all())
    if all_rows:
        rows: Sequence[AnnotationRecord] = history(store, project_row.id, coder_id=coder_id)
    else:
        with store.reading() as session:
            rows = [to_record(a, key, name) for a, key, name in
                    current_decisions(session, project_row.id, coder_id=coder_id)]
        rows = [r for r in rows if r.labelled]
    n = 0
    for r in rows:
        line = {"id": r.utterance, "doc": docs[r.utterance], "coder": r.coder, "domain": r.domain,
                "polarity": r.polarity, "memo": r.memo, "kind": r.kind, "source": r.source, "mode": r.mode,
                "annotation_id": r.id, "supersedes": r.supersedes, "created_at": r.created_at,
                "text": texts[r.utterance]}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        n += 1
    return n


def labelled_only(records: Iterable[AnnotationRecord]) -> list[AnnotationRecord]:
    return [r for r in records if r.labelled]
