"""Export -> import gives back the same texts, offsets and codes."""

from __future__ import annotations

import json

import pytest

from combcoder.agree.sources import load_source
from combcoder.export import export_project, import_qdpx, load_code_output, read_qdpx, write_qdpx
from combcoder.export.project import Annotation, Project, read_documents_jsonl
from combcoder.records import Document, Turn


def _key(a: Annotation):
    return (a.id, a.doc_id, a.start, a.end, a.text, a.domain, a.polarity, a.coder, a.coder_kind)


@pytest.mark.parametrize("offsets", ["codepoints", "utf16"])
def test_model_codings_round_trip(coded, tmp_path, offsets):
    folder, manifest = coded
    original = load_code_output(folder, manifest=manifest)
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest, offsets=offsets)
    project, summary = read_qdpx(out, include_model=True)
    assert summary.offsets == offsets
    assert [d.text for d in project.documents] == [d.text for d in original.documents]
    assert [d.id for d in project.documents] == [d.id for d in original.documents]
    assert [(d.group, d.source_type) for d in project.documents] == [("patients", "focus_group"), ("family", "focus_group")]
    assert sorted(map(_key, project.annotations)) == sorted(map(_key, original.annotations))
    scores = {a.id: (a.domain_score, a.polarity_score) for a in project.annotations}
    assert set(scores.values()) == {(0.81, 0.64)}
    assert summary.codings["imported"] == summary.codings_read == 2 * len(original.annotations)


def test_model_codings_are_left_out_by_default(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest)
    project, summary = read_qdpx(out)
    assert project.annotations == []
    assert summary.codings["model"] == summary.codings_read > 0
    assert summary.users == {"combcoder model test-model-1": "model"}


def test_human_codings_round_trip_with_emoji_and_astral_text(tmp_path):
    text = "P1: 😀 I'd rather 𝒯 do it myself 👍🏽.\n\nP2: the GP decides, not me."
    turns = [Turn(0, "P1", "participant", 4, 37), Turn(1, "P2", "participant", 43, len(text))]
    document = Document("emoji", "emoji.txt", text, turns, group="patients", source_type="interview")
    annotations = [
        Annotation("emoji:t000:u1", "emoji", 4, 37, text[4:37], "motivation.reflective", "facilitator", "Jo", "human"),
        Annotation("emoji:t001:u1", "emoji", 43, len(text), text[43:], "opportunity.social", None, "Sam", "human"),
        Annotation("emoji:7-9", "emoji", 7, 9, text[7:9], None, "barrier", "Sam", "human"),
    ]
    for offsets in ("codepoints", "utf16"):
        out = tmp_path / f"{offsets}.qdpx"
        write_qdpx(Project("emoji", [document], annotations), out, offsets=offsets)
        project, summary = read_qdpx(out)
        assert project.documents[0].text == text
        assert sorted(map(_key, project.annotations)) == sorted(map(_key, annotations))
        assert summary.users == {"Jo": "human", "Sam": "human"}


def test_import_writes_documents_annotations_and_texts(coded, tmp_path):
    folder, manifest = coded
    qdpx = tmp_path / "p.qdpx"
    export_project(folder, qdpx, manifest=manifest)
    out = tmp_path / "imported"
    summary = import_qdpx(qdpx, out, include_model=True)
    documents = read_documents_jsonl(out / "documents.jsonl")
    assert [d.id for d in documents] == ["patients", "family"]
    for document in documents:
        assert (out / "texts" / f"{document.id}.txt").read_text(encoding="utf-8") == document.text
        assert document.turns and all(document.text[t.start:t.end].strip() for t in document.turns)
    rows = [json.loads(line) for line in (out / "annotations.jsonl").read_text().splitlines()]
    assert len(rows) == summary.annotations
    for row in rows:
        text = next(d.text for d in documents if d.id == row["doc_id"])
        assert text[row["start"]:row["end"]] == row["text"]
    saved = json.loads((out / "import_summary.json").read_text())
    assert sum(saved["codings"].values()) == saved["codings_read"]
    # the annotations plug into agreement as a coding source
    source = load_source(out / "annotations.jsonl", "qda")
    assert len(source.labels("domain")) == summary.annotations


def test_reexport_of_an_import_is_stable(coded, tmp_path):
    folder, manifest = coded
    first = tmp_path / "1.qdpx"
    export_project(folder, first, manifest=manifest)
    out = tmp_path / "imported"
    import_qdpx(first, out, include_model=True)
    documents = read_documents_jsonl(out / "documents.jsonl")
    project, _ = read_qdpx(first, include_model=True)
    second = tmp_path / "2.qdpx"
    write_qdpx(Project("again", documents, project.annotations), second)
    again, _ = read_qdpx(second, include_model=True)
    assert sorted(map(_key, again.annotations)) == sorted(map(_key, project.annotations))
