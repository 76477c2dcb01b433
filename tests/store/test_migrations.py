"""The schema comes from the shipped Alembic migrations, matches the models, and goes up and down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from combcoder.errors import StoreError
from combcoder.store import open_store
from combcoder.store.db import (
    MIGRATIONS, alembic_config, current_revision, downgrade, migrate, normalise_url, table_names,
)
from combcoder.store.models import Base

TABLES = {"annotations", "coders", "documents", "jobs", "login_sessions", "memberships", "model_versions",
          "projects", "suggestions", "utterances"}


def test_migrations_ship_inside_the_package_with_one_head():
    assert (MIGRATIONS / "env.py").is_file() and (MIGRATIONS / "script.py.mako").is_file()
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0001"]


def test_open_store_migrates_to_head_and_the_schema_matches_the_models(store):
    assert current_revision(store) == "0001"
    assert TABLES <= set(table_names(store))
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(store):
    downgrade(store, "base")
    assert set(table_names(store)) & TABLES == set()
    migrate(store)
    assert current_revision(store) == "0001" and TABLES <= set(table_names(store))


def test_opening_twice_is_idempotent(db_url):
    with open_store(db_url) as first, open_store(db_url) as second:
        assert current_revision(first) == current_revision(second) == "0001"


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path):
    from combcoder.store.models import Membership

    with open_store(tmp_path / "x.db") as store:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError):
            with store.writing() as session:
                session.add(Membership(project_id=999, coder_id=999, mode="assisted"))


def test_urls_and_paths_are_normalised(tmp_path):
    assert normalise_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(StoreError, match="in-memory"):
        normalise_url(":memory:")
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://u@h/db")


def test_default_db_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COMBCODER_DB", str(tmp_path / "env.db"))
    with open_store() as store:
        assert store.url.endswith("env.db")
    assert (tmp_path / "env.db").is_file()
