"""Fixtures for the store tests: every store test runs on a SQLite file and on PostgreSQL.

The ``db_url`` and ``store`` fixtures (SQLite and PostgreSQL) are in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from combcoder.segment import Segmenter
from combcoder.store import add_coder, add_document, create_project

PASSWORD = "a long test password"


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


