"""Initial schema: projects, coders, transcripts, model versions, suggestions, annotations.

Annotations are append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)
so not even a hand-written SQL statement can rewrite the history.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "annotations are append-only"


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "coders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _created_at(),
        sa.CheckConstraint("role IN ('admin', 'coder')", name="ck_coders_role"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("retrain_report", sa.JSON(), nullable=True),
        _created_at(),
    )
    op.create_table(
        "login_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("coder_id", sa.Integer(), sa.ForeignKey("coders.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_sessions_coder_id", "login_sessions", ["coder_id"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active_model_id", sa.Integer(), sa.ForeignKey("model_versions.id"), nullable=True),
        _created_at(),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("group", sa.String(200), nullable=True),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("project_id", "key"),
    )
    op.create_index("ix_documents_project_id", "documents", ["project_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("coder_id", sa.Integer(), sa.ForeignKey("coders.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "memberships",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("coder_id", sa.Integer(), sa.ForeignKey("coders.id"), primary_key=True),
        sa.Column("mode", sa.String(10), nullable=False),
        _created_at(),
        sa.CheckConstraint("mode IN ('assisted', 'blind')", name="ck_memberships_mode"),
    )
    op.create_table(
        "utterances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("group", sa.String(200), nullable=True),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("codable", sa.Boolean(), nullable=False),
        sa.Column("skip_reason", sa.String(40), nullable=True),
        sa.Column("time_start", sa.Float(), nullable=True),
        sa.Column("time_end", sa.Float(), nullable=True),
        sa.UniqueConstraint("project_id", "key"),
    )
    op.create_index("ix_utterances_document_position", "utterances", ["document_id", "position"])
    op.create_index("ix_utterances_project_id", "utterances", ["project_id"])
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("utterance_id", sa.Integer(), sa.ForeignKey("utterances.id"), nullable=False),
        sa.Column("model_version_id", sa.Integer(), sa.ForeignKey("model_versions.id"), nullable=False),
        sa.Column("domain", sa.String(40), nullable=False),
        sa.Column("domain_score", sa.Float(), nullable=False),
        sa.Column("polarity", sa.String(20), nullable=False),
        sa.Column("polarity_score", sa.Float(), nullable=False),
        sa.Column("top", sa.JSON(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        _created_at(),
        sa.UniqueConstraint("utterance_id", "model_version_id"),
    )
    op.create_index("ix_suggestions_model_version_id", "suggestions", ["model_version_id"])
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("utterance_id", sa.Integer(), sa.ForeignKey("utterances.id"), nullable=False),
        sa.Column("coder_id", sa.Integer(), sa.ForeignKey("coders.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("polarity", sa.String(20), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("annotations.id"), nullable=True),
        sa.Column("suggestion_id", sa.Integer(), sa.ForeignKey("suggestions.id"), nullable=True),
        _created_at(),
        sa.CheckConstraint("kind IN ('code', 'skip', 'adjudication', 'clear')", name="ck_annotations_kind"),
        sa.CheckConstraint(
            "source IN ('accepted', 'corrected', 'manual', 'import', 'undo')", name="ck_annotations_source"
        ),
        sa.CheckConstraint("mode IN ('assisted', 'blind')", name="ck_annotations_mode"),
        sa.CheckConstraint(
            "(kind IN ('code', 'adjudication') AND domain IS NOT NULL AND polarity IS NOT NULL)"
            " OR (kind IN ('skip', 'clear') AND domain IS NULL AND polarity IS NULL)",
            name="ck_annotations_labels",
        ),
    )
    op.create_index("ix_annotations_latest", "annotations", ["project_id", "coder_id", "utterance_id", "id"])
    op.create_index("ix_annotations_utterance", "annotations", ["utterance_id", "id"])
    op.create_index("ix_annotations_project", "annotations", ["project_id", "id"])
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION combcoder_annotations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER annotations_append_only BEFORE UPDATE OR DELETE ON annotations "
            "FOR EACH ROW EXECUTE FUNCTION combcoder_annotations_append_only()"
        )
        op.execute(
            "CREATE TRIGGER annotations_no_truncate BEFORE TRUNCATE ON annotations "
            "FOR EACH STATEMENT EXECUTE FUNCTION combcoder_annotations_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER annotations_no_{action.lower()} BEFORE {action} ON annotations "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS annotations_no_truncate ON annotations")
        op.execute("DROP TRIGGER IF EXISTS annotations_append_only ON annotations")
        op.execute("DROP FUNCTION IF EXISTS combcoder_annotations_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS annotations_no_update")
        op.execute("DROP TRIGGER IF EXISTS annotations_no_delete")
    for table in ("annotations", "suggestions", "utterances", "memberships", "jobs", "documents",
                  "projects", "login_sessions", "model_versions", "coders"):
        op.drop_table(table)
