"""Fixtures for the store tests: every store test runs on a SQLite file and on PostgreSQL.

PostgreSQL: env COMBCODER_TEST_PG (default the machine's postgresql://postgres@127.0.0.1:5432/test);
each test gets a fresh schema that is dropped afterwards. Tests skip PostgreSQL (with the reason)
when the server does not answer.
"""

from __future__ import annotations

import functools
import os

import pytest

from combcoder.segment import Segmenter
from combcoder.store import add_coder, add_document, create_project, open_store
from combcoder.store.db import postgres_available, scratch_schema

PG_URL = os.environ.get("COMBCODER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "a long test password"


@functools.cache
def _pg_problem() -> str | None:
    return postgres_available(PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "review.db")
        return
    problem = _pg_problem()
    if problem:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    with scratch_schema(PG_URL) as url:
        yield url


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


TRANSCRIPT = """Interviewer: How do you manage your tablets at home?

P1: My daughter sorts them into a box every Sunday, otherwise I would forget half of them.

P2: The pharmacy keeps changing the brand so I never know which pill is which.

Interviewer: Mm.

P1: I get so out of breath on the stairs that I can't get to the clinic on the second floor.

P2: The nurse phoned me every week and that made me feel I could ask anything.
"""


@pytest.fixture
def transcript() -> str:
    return TRANSCRIPT


@pytest.fixture
def project(store, tmp_path):
    """A project with one short transcript (really read and segmented) and three coders."""
    from combcoder.ingest import read_document

    path = tmp_path / "clinic.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    document = read_document(path, doc_id="clinic", group="patients", source_type="focus_group")
    row = create_project(store, "clinic")
    add_document(store, row.id, document, Segmenter().segment(document))
    coders = {
        "ada": add_coder(store, "ada", PASSWORD, "admin"),
        "cody": add_coder(store, "cody", PASSWORD, "coder"),
        "bea": add_coder(store, "bea", PASSWORD, "coder"),
    }
    return row, coders


@pytest.fixture
def codable_keys(store, project):
    from sqlalchemy import select

    from combcoder.store.models import Utterance

    with store.reading() as session:
        return list(session.scalars(select(Utterance.key).where(Utterance.codable.is_(True)).order_by(Utterance.id)))


