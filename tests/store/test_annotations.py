"""Saving, superseding, conflicts (409), undo, adjudication, snapshots, import and export."""

from __future__ import annotations

import io
import json

import pytest

from combcoder.errors import ConflictError, InputError, StoreError
from combcoder.store import (
    export_annotations,
    history,
    import_annotations,
    save_annotation,
    take_snapshot,
    undo_annotation,
)
from combcoder.store.annotations import check_label


def test_each_change_is_a_new_row_that_supersedes_the_coders_previous_one(store, project, codable_keys):
    row, c = project
    key = codable_keys[0]
    first = save_annotation(store, row.id, c["cody"], key, domain="opportunity.social", polarity="barrier", base=None)
    second = save_annotation(store, row.id, c["cody"], key, domain="opportunity.physical", polarity="barrier",
                             memo="pharmacy, not people", base=first.id)
    assert second.supersedes == first.id and second.id > first.id
    rows = history(store, row.id, utterance_key=key)
    assert [(r.id, r.domain, r.memo) for r in rows] == [
        (first.id, "opportunity.social", ""), (second.id, "opportunity.physical", "pharmacy, not people")]
    assert rows[0].created_at.endswith("+00:00")


def test_a_stale_base_is_a_conflict_and_writes_nothing(store, project, codable_keys):
    row, c = project
    key = codable_keys[0]
    seen = save_annotation(store, row.id, c["cody"], key, domain="none", polarity="neutral", base=None)
    with pytest.raises(ConflictError) as conflict:
        save_annotation(store, row.id, c["ada"], key, domain="opportunity.social", polarity="barrier", base=None)
    assert conflict.value.current["id"] == seen.id and conflict.value.current["coder"] == "cody"
    assert len(history(store, row.id)) == 1
    # With the newest id as base the same write goes through.
    save_annotation(store, row.id, c["ada"], key, domain="opportunity.social", polarity="barrier", base=seen.id)
    assert len(history(store, row.id)) == 2


def test_blind_coders_only_conflict_with_their_own_rows(store, project, codable_keys):
    row, c = project
    key = codable_keys[1]
    save_annotation(store, row.id, c["cody"], key, domain="none", polarity="neutral", base=None)
    mine = save_annotation(store, row.id, c["bea"], key, domain="capability.physical", polarity="barrier",
                           base=None, mode="blind")
    with pytest.raises(ConflictError):
        save_annotation(store, row.id, c["bea"], key, domain="none", polarity="neutral", base=None, mode="blind")
    again = save_annotation(store, row.id, c["bea"], key, domain="none", polarity="neutral", base=mine.id, mode="blind")
    assert again.supersedes == mine.id and again.mode == "blind"


def test_undo_appends_a_row_that_restores_the_previous_state(store, project, codable_keys):
    row, c = project
    key = codable_keys[2]
    a = save_annotation(store, row.id, c["cody"], key, domain="capability.physical", polarity="barrier",
                        memo="stairs", base=None)
    b = save_annotation(store, row.id, c["cody"], key, domain="none", polarity="neutral", base=a.id)
    u1 = undo_annotation(store, row.id, c["cody"], key, base=b.id)
    assert (u1.kind, u1.domain, u1.polarity, u1.memo, u1.source, u1.supersedes) == (
        "code", "capability.physical", "barrier", "stairs", "undo", b.id)
    u2 = undo_annotation(store, row.id, c["cody"], key, base=u1.id)  # undoing the undo redoes b
    assert (u2.domain, u2.supersedes) == ("none", u1.id)
    fresh = codable_keys[3]
    only = save_annotation(store, row.id, c["cody"], fresh, kind="skip", base=None)
    cleared = undo_annotation(store, row.id, c["cody"], fresh, base=only.id)
    assert (cleared.kind, cleared.domain) == ("clear", None)
    assert [r.id for r in history(store, row.id)] == [a.id, b.id, u1.id, u2.id, only.id, cleared.id]
    with pytest.raises(StoreError, match="nothing to undo"):
        undo_annotation(store, row.id, c["ada"], key)


def test_labels_are_checked_and_none_is_always_neutral(store, project, codable_keys):
    row, c = project
    assert check_label("none", None) == ("none", "neutral")
    with pytest.raises(InputError, match="always neutral"):
        check_label("none", "barrier")
    with pytest.raises(InputError, match="expected one of capability.physical"):
        check_label("capability", "barrier")
    with pytest.raises(StoreError, match="only an admin"):
        save_annotation(store, row.id, c["cody"], codable_keys[0], kind="adjudication", domain="none",
                        polarity="neutral")
    adj = save_annotation(store, row.id, c["ada"], codable_keys[0], kind="adjudication", domain="none",
                          polarity="neutral", base=None)
    assert adj.kind == "adjudication"


def test_snapshot_counts_and_hashes_rows_up_to_the_newest_id(store, project, codable_keys):
    row, c = project
    empty, _ = take_snapshot(store, "clinic")
    assert (empty.max_id, empty.count) == (0, 0)
    a = save_annotation(store, row.id, c["cody"], codable_keys[0], domain="none", polarity="neutral", base=None)
    first, rows = take_snapshot(store, "clinic")
    assert (first.max_id, first.count, [r.id for r in rows]) == (a.id, 1, [a.id])
    assert take_snapshot(store, "clinic")[0] == first  # same rows, same hash
    save_annotation(store, row.id, c["cody"], codable_keys[1], domain="none", polarity="neutral", base=None)
    second, _ = take_snapshot(store, "clinic")
    assert second.count == 2 and second.sha256 != first.sha256


def test_import_checks_every_line_first_then_appends(store, project, codable_keys, tmp_path):
    from combcoder.store import get_project  # noqa: F401  (the import below resolves the project by name)

    row, c = project
    good = [{"id": codable_keys[0], "domain": "opportunity.social", "polarity": "facilitator", "memo": "daughter"},
            {"utterance": codable_keys[1], "domain": "none", "polarity": "neutral"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(x) + "\n" for x in good) + '{"id": "clinic:t999:u1", "domain": "none"}\n')
    with pytest.raises(InputError, match="line 3: no utterance"):
        import_annotations(store, "clinic", bad, "cody")
    assert history(store, row.id) == []
    path = tmp_path / "good.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in good))
    summary = import_annotations(store, "clinic", path, "cody")
    assert (summary.lines, summary.added, summary.unchanged) == (2, 2, 0)
    assert import_annotations(store, "clinic", path, "cody").unchanged == 2  # nothing appended twice
    rows = history(store, row.id)
    assert [(r.utterance, r.source, r.mode) for r in rows] == [(codable_keys[0], "import", "blind"),
                                                               (codable_keys[1], "import", "blind")]
    with pytest.raises(StoreError, match="not an admin"):
        import_annotations(store, "clinic", path, "cody", adjudicate=True)


def test_import_finds_utterances_by_document_offsets(store, project, codable_keys, tmp_path):
    from combcoder.store.annotations import history as all_rows

    row, _c = project
    from sqlalchemy import select

    from combcoder.store.models import Utterance

    with store.reading() as session:
        u = session.scalar(select(Utterance).where(Utterance.key == codable_keys[2]))
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps({"doc": "clinic", "start": u.start, "end": u.end, "domain": "capability.physical",
                                "polarity": "barrier"}) + "\n")
    import_annotations(store, "clinic", path, "bea")
    assert [r.utterance for r in all_rows(store, row.id)] == [codable_keys[2]]


def test_export_gives_current_decisions_per_coder_and_the_full_history(store, project, codable_keys, tmp_path):
    from combcoder.agree.sources import load_source

    row, c = project
    a = save_annotation(store, row.id, c["cody"], codable_keys[0], domain="none", polarity="neutral", base=None)
    save_annotation(store, row.id, c["cody"], codable_keys[0], domain="opportunity.social", polarity="barrier",
                    base=a.id)
    save_annotation(store, row.id, c["cody"], codable_keys[1], kind="skip", base=None)
    save_annotation(store, row.id, c["bea"], codable_keys[0], domain="opportunity.social", polarity="barrier",
                    base=None, mode="blind")
    buffer = io.StringIO()
    assert export_annotations(store, "clinic", buffer) == 2  # the skip carries no label
    lines = [json.loads(x) for x in buffer.getvalue().splitlines()]
    assert {(x["coder"], x["id"], x["domain"]) for x in lines} == {
        ("cody", codable_keys[0], "opportunity.social"), ("bea", codable_keys[0], "opportunity.social")}
    assert all(x["text"] and x["doc"] == "clinic" for x in lines)
    buffer = io.StringIO()
    assert export_annotations(store, "clinic", buffer, all_rows=True) == 4
    per_coder = tmp_path / "cody.jsonl"
    with open(per_coder, "w", encoding="utf-8") as f:
        export_annotations(store, "clinic", f, coder="cody")
    source = load_source(per_coder)  # the agreement module reads the export as a coding source
    assert source.labels("domain") == {codable_keys[0]: "opportunity.social"}
