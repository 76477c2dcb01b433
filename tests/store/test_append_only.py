"""Annotations are never updated or deleted: refused by the ORM and by database triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DatabaseError

from combcoder.errors import AppendOnlyError
from combcoder.store import save_annotation
from combcoder.store.models import Annotation


@pytest.fixture
def one_annotation(store, project, codable_keys):
    row, coders = project
    return save_annotation(store, row.id, coders["cody"], codable_keys[0], domain="opportunity.social",
                           polarity="barrier", memo="first", base=None)


def _rows(store):
    with store.reading() as session:
        return session.execute(select(Annotation.id, Annotation.memo, Annotation.domain)).all()


def test_the_orm_refuses_to_update_or_delete(store, one_annotation):
    with pytest.raises(AppendOnlyError):
        with store.writing() as session:
            session.get(Annotation, one_annotation.id).memo = "rewritten"
    with pytest.raises(AppendOnlyError):
        with store.writing() as session:
            session.delete(session.get(Annotation, one_annotation.id))
    for statement in (update(Annotation).values(memo="x"), delete(Annotation)):
        with pytest.raises(AppendOnlyError):
            with store.writing() as session:
                session.execute(statement)
    assert _rows(store) == [(one_annotation.id, "first", "opportunity.social")]


@pytest.mark.parametrize("sql", ["UPDATE annotations SET memo = 'rewritten'", "DELETE FROM annotations"])
def test_database_triggers_refuse_raw_sql(store, one_annotation, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with store.engine.begin() as connection:
            connection.exec_driver_sql(sql)
    assert _rows(store) == [(one_annotation.id, "first", "opportunity.social")]


def test_postgres_also_refuses_truncate(store, one_annotation):
    if store.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DatabaseError, match="append-only"):
        with store.engine.begin() as connection:
            connection.exec_driver_sql("TRUNCATE annotations CASCADE")
    with store.reading() as session:
        assert session.scalar(select(func.count()).select_from(Annotation)) == 1
