"""The review store's tables (SQLAlchemy 2 declarative models).

``Annotation`` rows are append-only: a correction, a skip or an undo is a new row whose
``supersedes_id`` names the coder's previous annotation of the same utterance. Nothing ever
updates or deletes one (enforced here with ORM events and in the database with triggers, see
the first migration).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ..errors import AppendOnlyError


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Project(Base):
    """A set of transcripts coded together; coders see only projects they belong to."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The model version whose suggestions the review page shows (set by `suggest`).
    active_model_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coder(Base):
    """A person who logs in and codes; ``role`` is "admin" or "coder"."""

    __tablename__ = "coders"
    __table_args__ = (CheckConstraint("role IN ('admin', 'coder')", name="ck_coders_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Membership(Base):
    """A coder's access to a project, and whether they code it blind."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("mode IN ('assisted', 'blind')", name="ck_memberships_mode"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="assisted")  # assisted | blind
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginSession(Base):
    """A logged-in browser: the SHA-256 of its cookie token and its CSRF token."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Document(Base):
    """One ingested transcript and its normalised text."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    key: Mapped[str] = mapped_column(String(200))  # the pipeline's document id, e.g. "patients_fg"
    path: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_type: Mapped[str] = mapped_column(String(20), default="unknown")
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)  # ingest order within the project
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Utterance(Base):
    """The coding unit: the fields of :class:`combcoder.records.Utterance`, stored."""

    __tablename__ = "utterances"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        Index("ix_utterances_document_position", "document_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    key: Mapped[str] = mapped_column(String(300))  # e.g. "patients_fg:t012:u1"
    position: Mapped[int] = mapped_column(Integer)  # order within the document
    turn_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default="unknown")
    group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_type: Mapped[str] = mapped_column(String(20), default="unknown")
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
    skip_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    time_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_end: Mapped[float | None] = mapped_column(Float, nullable=True)


class ModelVersion(Base):
    """A model from the registry that made suggestions or came out of a retrain."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    # For retrained models: the annotation snapshot, the evaluation and the promotion decision.
    retrain_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suggestion(Base):
    """A model's calibrated coding of one utterance, and the utterance's embedding."""

    __tablename__ = "suggestions"
    __table_args__ = (UniqueConstraint("utterance_id", "model_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    domain: Mapped[str] = mapped_column(String(40))
    domain_score: Mapped[float] = mapped_column(Float)
    polarity: Mapped[str] = mapped_column(String(20))
    polarity_score: Mapped[float] = mapped_column(Float)
    top: Mapped[list[Any]] = mapped_column(JSON)  # [{"domain", "score"}], best first
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float32, normalised
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


KINDS = ("code", "skip", "adjudication", "clear")
SOURCES = ("accepted", "corrected", "manual", "import", "undo")


class Annotation(Base):
    """One human decision on one utterance. Append-only: never updated, never deleted.

    ``kind``: "code" (a domain and polarity), "skip" (looked at, left for later),
    "adjudication" (an admin's final label, which overrides the coders' labels for retraining) or
    "clear" (no decision). The latest row per coder and utterance is that coder's decision.
    ``source`` says where the label came from: "accepted" (the model's suggestion, unchanged),
    "corrected" (changed from the suggestion), "manual" (no suggestion shown), "import", or
    "undo" (the row restores the state before the row it supersedes: its kind, labels, memo).
    """

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_latest", "project_id", "coder_id", "utterance_id", "id"),
        Index("ix_annotations_utterance", "utterance_id", "id"),
        Index("ix_annotations_project", "project_id", "id"),
        CheckConstraint(f"kind IN {KINDS!r}", name="ck_annotations_kind"),
        CheckConstraint(f"source IN {SOURCES!r}", name="ck_annotations_source"),
        CheckConstraint("mode IN ('assisted', 'blind')", name="ck_annotations_mode"),
        # A code or adjudication carries both labels; a skip carries none.
        CheckConstraint(
            "(kind IN ('code', 'adjudication') AND domain IS NOT NULL AND polarity IS NOT NULL)"
            " OR (kind IN ('skip', 'clear') AND domain IS NULL AND polarity IS NULL)",
            name="ck_annotations_labels",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    kind: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    polarity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))  # assisted | blind, as the coder worked
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"), nullable=True)
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A background task started from the web page (a retrain), with its outcome."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- append-only, in code -----------------------------------------------------------------
@event.listens_for(Annotation, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyError(f"annotation {target.id} cannot be changed: annotations are append-only")


@event.listens_for(Annotation, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyError(f"annotation {target.id} cannot be deleted: annotations are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state) -> None:
    if (state.is_update or state.is_delete) and any(
        getattr(m, "class_", None) is Annotation for m in state.all_mappers
    ):
        raise AppendOnlyError("annotations are append-only: bulk UPDATE/DELETE refused")


TABLES = Base.metadata
