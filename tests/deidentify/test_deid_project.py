"""Consistency across a project, offsets, and the files written."""

from __future__ import annotations

import csv
import json

import pytest

from combcoder.deidentify import Pseudonyms, deidentify_documents, deidentify_files
from combcoder.errors import CombcoderError, ConfigError
from combcoder.ingest import read_document
from combcoder.records import Document, Turn


def _doc(doc_id: str, text: str) -> Document:
    return Document(doc_id, f"{doc_id}.txt", text, [Turn(0, None, "unknown", 0, len(text))])


def test_one_pseudonym_per_person_across_documents(detector):
    documents = [_doc("a", "Sarah Jones drove me to St Mary's."),
                 _doc("b", "Later Sarah rang, and Mrs Jones said the ward at St Mary's was full."),
                 _doc("c", "Derek went to Brackenmoor Hospital, not St Mary's.")]
    results, pseudonyms = deidentify_documents(documents, detector=detector)
    a, b, c = (r.document.text for r in results)
    assert a == "[PERSON_1] drove me to [HOSPITAL_A]."
    assert b == "Later [PERSON_1] rang, and Mrs [PERSON_1] said the ward at [HOSPITAL_A] was full."
    assert c == "[PERSON_2] went to [HOSPITAL_B], not [HOSPITAL_A]."
    assert pseudonyms.surfaces["PERSON_1"] == ["Sarah Jones", "Sarah", "Jones"]


def test_a_name_found_once_is_replaced_everywhere(detector):
    documents = [_doc("a", "My neighbour Winifred Hatherley takes me shopping."),
                 _doc("b", "Hatherley is the only one who checks on me.")]
    results, _ = deidentify_documents(documents, detector=detector)
    assert "Hatherley" not in results[1].document.text


def test_earlier_mapping_keeps_pseudonyms_and_numbering(detector):
    _, first = deidentify_documents([_doc("a", "Sarah Jones rang Derek Smith.")], detector=detector)
    again = Pseudonyms.from_dict(json.loads(json.dumps(first.to_dict())))
    results, second = deidentify_documents([_doc("b", "Priya Shah and Derek Smith came.")], detector=detector,
                                           pseudonyms=again)
    assert results[0].document.text == "[PERSON_3] and [PERSON_2] came."
    with pytest.raises(ConfigError):
        Pseudonyms.from_dict({"format": "something else"})


def test_turn_offsets_follow_the_replacements(detector):
    spoken = ["Tell me more.", "I phoned 0161 496 0123 😀 and Dr Okafor came.", "Good."]
    text = f"Moderator: {spoken[0]}\n\nAnna Price: {spoken[1]}\n\nP2: {spoken[2]}"
    starts = [text.index(part) for part in spoken]
    document = Document("x", "x.txt", text, [
        Turn(i, speaker, "participant", start, start + len(part))
        for i, (speaker, start, part) in enumerate(zip(["Moderator", "Anna Price", "P2"], starts, spoken))])
    [result], _ = deidentify_documents([document], detector=detector)
    new = result.document
    assert new.text[new.turns[0].start:new.turns[0].end] == "Tell me more."
    assert new.text[new.turns[1].start:new.turns[1].end] == "I phoned [PHONE_1] 😀 and Dr [PERSON_2] came."
    assert new.text[new.turns[2].start:new.turns[2].end] == "Good."
    for r in result.replacements:
        assert new.text[r.new_start:r.new_end].strip("[]") == r.pseudonym
        assert text[r.start:r.end] == r.original
        assert result.map_offset(r.start) == r.new_start and result.map_offset(r.end, "end") == r.new_end


def test_files_mapping_review_and_reread(tmp_path, detector):
    source = tmp_path / "raw"
    source.mkdir()
    (source / "fg1.txt").write_text(
        "Moderator: Who helps?\n\nAnna Price: My son Tom rings Dr Okafor at Whitfield Surgery on 0161 496 0123.\n\n"
        "P2: Anna's right, Tom is very good.\n", encoding="utf-8")
    (source / "anna_price.txt").write_text("Interviewer: Hello.\n\nP1: Anna Price here, from Leeds.\n", encoding="utf-8")
    out = tmp_path / "pseudo"
    summary = deidentify_files([source], out, detector=detector)
    assert summary.documents == 2 and summary.replacements >= 8
    assert not (out / "fg1.mapping.json").exists()
    mapping = tmp_path / "pseudo.mapping.json"
    review = tmp_path / "pseudo.mapping.review.csv"
    assert summary.mapping == str(mapping) and mapping.is_file() and review.is_file()
    texts = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.txt"))
    for secret in ("Anna", "Price", "Tom", "Okafor", "Whitfield", "0161", "Leeds"):
        assert secret not in texts
    rows = list(csv.DictReader(review.open(encoding="utf-8")))
    assert len(rows) == summary.replacements
    assert all(f"«{r['original']}»" in r["context"] for r in rows)
    data = json.loads(mapping.read_text(encoding="utf-8"))
    assert {e["type"] for e in data["entities"]} >= {"PERSON", "HOSPITAL", "PHONE", "PLACE"}
    assert any("anna_price" in w for w in summary.warnings)  # the file name holds a name
    # Re-reading a pseudonymised file gives the pseudonymised turns, labels included.
    reread = read_document(out / "fg1.txt")
    assert [t.speaker for t in reread.turns] == ["Moderator", "PERSON_1", "P2"]
    assert "Dr [PERSON_" in reread.text and (out / "manifest.yaml").is_file()


def test_mapping_inside_the_output_is_refused(tmp_path, detector):
    (tmp_path / "a.txt").write_text("P1: hello Sarah\n", encoding="utf-8")
    with pytest.raises(CombcoderError, match="must not be written inside"):
        deidentify_files([tmp_path / "a.txt"], tmp_path / "out", mapping_out=tmp_path / "out" / "m.json",
                         detector=detector)
