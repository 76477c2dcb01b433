"""The review store: projects, transcripts, model suggestions, coders and append-only annotations.

SQLite file by default (WAL, foreign keys on), PostgreSQL by URL; the schema is migrated with
Alembic (the migrations ship in ``combcoder/store/migrations``) every time a store is opened.
"""

from ..errors import MissingExtraError

try:
    import alembic  # noqa: F401
    import sqlalchemy  # noqa: F401
except ImportError as error:  # the store ships in the "review" extra
    raise MissingExtraError(error.name or "sqlalchemy", "review") from None

from .accounts import (  # noqa: E402
    CoderInfo,
    add_coder,
    add_member,
    authenticate,
    create_project,
    get_coder,
    get_project,
    list_coders,
    membership_mode,
    visible_projects,
)
from .annotations import (  # noqa: E402
    NO_CHECK,
    AnnotationRecord,
    ImportSummary,
    Snapshot,
    current_decisions,
    export_annotations,
    history,
    import_annotations,
    save_annotation,
    take_snapshot,
    undo_annotation,
)
from .corpus import IngestSummary, SuggestSummary, add_document, ingest, register_model_version, suggest
from .db import Store, default_db_url, migrate, open_store

__all__ = [
    "NO_CHECK", "AnnotationRecord", "CoderInfo", "ImportSummary", "IngestSummary", "Snapshot", "Store",
    "SuggestSummary", "add_coder", "add_document", "add_member", "authenticate", "create_project",
    "current_decisions", "default_db_url", "export_annotations", "get_coder", "get_project", "history",
    "import_annotations", "ingest", "list_coders", "membership_mode", "migrate", "open_store",
    "register_model_version", "save_annotation", "suggest", "take_snapshot", "undo_annotation",
    "visible_projects",
]
