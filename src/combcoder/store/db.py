"""Open the review store: a SQLite file (WAL, foreign keys on) or PostgreSQL, migrated to head.

Writers are serialised per utterance so a check-then-append is atomic: on SQLite every write
transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, readers never blocked in WAL
mode); on PostgreSQL a write locks the utterance's row (``SELECT ... FOR UPDATE``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StoreError

DEFAULT_DB = "combcoder.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: serialises concurrent migrations of one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x636F6D62


def default_db_url() -> str:
    """Return env COMBCODER_DB, or the SQLite file ./combcoder.db."""
    return os.environ.get("COMBCODER_DB") or DEFAULT_DB


def normalise_url(url: str | Path | None) -> str:
    """Turn a path or a ``postgresql://`` URL into a SQLAlchemy URL with a driver we ship."""
    url = str(url) if url is not None else default_db_url()
    if "://" not in url:
        if url == ":memory:":
            raise StoreError("an in-memory SQLite store cannot be shared between threads; give a file path")
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Store:
    """An open store: an engine, sessions for reading, and serialised sessions for writing."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(combcoder_begin="IMMEDIATE") if self.is_sqlite else engine
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; rolled back at the end."""
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transaction is committed at the end, or rolled back on error."""
        with self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_engine(url: str | Path | None = None, pool_size: int = 20) -> Engine:
    """Create an engine for ``url`` with combcoder's SQLite settings (no migration)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(f"not a database URL or file path: {url!r} ({error})") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise StoreError("give the SQLite store a file path (an in-memory database is not shared)")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, pool_size=pool_size, max_overflow=pool_size,
            connect_args={"timeout": 60, "check_same_thread": False},
        )
        _sqlite_settings(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # No pre-ping (a round trip per checkout); recycle instead so idle connections stay fresh.
        return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                             connect_args={"connect_timeout": 10})
    raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use a SQLite file or postgresql://")


def _sqlite_settings(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        mode = connection.get_execution_options().get("combcoder_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(store: Store, revision: str = "head") -> None:
    """Upgrade the store's schema to ``revision`` (default: the newest)."""
    from alembic import command

    _run_alembic(store, lambda config: command.upgrade(config, revision))


def downgrade(store: Store, revision: str) -> None:
    """Downgrade the store's schema to ``revision`` ("base" removes every table)."""
    from alembic import command

    _run_alembic(store, lambda config: command.downgrade(config, revision))


def _run_alembic(store: Store, action) -> None:
    engine = store.engine.execution_options(combcoder_begin="IMMEDIATE") if store.is_sqlite else store.engine
    try:
        with engine.begin() as connection:
            if not store.is_sqlite:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            action(alembic_config(connection))
    except OperationalError as error:
        raise StoreError(f"cannot open the store at {store.url}: {error.orig}") from None


def current_revision(store: Store) -> str | None:
    """Return the schema revision the store is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_store(url: str | Path | None = None, *, migrate_to_head: bool = True) -> Store:
    """Open (and create) the store at ``url`` and run the migrations to head.

    ``url``: a SQLite file path, ``sqlite:///PATH``, or ``postgresql://user@host/db``; default env
    COMBCODER_DB or ./combcoder.db.
    """
    store = Store(make_engine(url))
    if migrate_to_head:
        try:
            migrate(store)
        except BaseException:
            store.close()
            raise
    return store


@contextmanager
def scratch_schema(url: str, prefix: str = "combcoder_scratch") -> Iterator[str]:
    """Create a fresh schema in a PostgreSQL database; yield a URL that uses it; drop it after.

    For tests and benchmarks: nothing outside the new schema is touched.
    """
    import secrets
    from urllib.parse import quote

    name = f"{prefix}_{secrets.token_hex(5)}"
    admin = make_engine(url, pool_size=1)
    if admin.dialect.name != "postgresql":
        admin.dispose()
        raise StoreError(f"scratch schemas need PostgreSQL, not {admin.dialect.name}")
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        joiner = "&" if "?" in url else "?"
        yield f"{url}{joiner}options={quote(f'-csearch_path={name}')}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


def postgres_available(url: str) -> str | None:
    """Return None if ``url`` accepts a connection, else the reason it does not."""
    try:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as error:  # any failure means "not available" to the caller
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def table_names(store: Store) -> list[str]:
    return sorted(inspect(store.engine).get_table_names())
