"""Export from the review store: texts, model suggestions and coders' decisions."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy")

from combcoder.export import export_project, read_qdpx  # noqa: E402
from combcoder.export.validate import check_qdpx  # noqa: E402
from combcoder.store import add_coder, create_project, ingest, open_store, save_annotation  # noqa: E402


def test_store_project_exports_with_human_decisions(coded, tmp_path):
    _, manifest = coded
    db = tmp_path / "review.db"
    store = open_store(db)
    try:
        project = create_project(store, "heart")
        ingest(store, "heart", [], manifest=manifest)
        jo = add_coder(store, "Jo", "pw-123456789", role="coder")
        save_annotation(store, project.id, jo, "patients:t001:u1", domain="capability.physical",
                        polarity="barrier", memo="stiff hands")
        save_annotation(store, project.id, jo, "family:t002:u1", kind="skip")
    finally:
        store.close()
    out = tmp_path / "store.qdpx"
    summary = export_project(None, out, db=str(db), validate=True)
    assert check_qdpx(out) == []
    assert summary.documents == 2 and summary.users == ["Jo"]
    imported, report = read_qdpx(out)
    assert [(a.id, a.coder, a.domain, a.polarity) for a in imported.annotations] == [
        ("patients:t001:u1", "Jo", "capability.physical", "barrier")]
    assert imported.annotations[0].text.startswith("I can't open the blister packs")
    assert report.documents == 2
