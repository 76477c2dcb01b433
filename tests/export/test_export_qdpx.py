"""The .qdpx, .qdc and .csv exports: valid against the REFI-QDA schema and complete."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import datetime, timezone

import pytest
from defusedxml.ElementTree import fromstring

from combcoder.errors import CombcoderError, InputError
from combcoder.export import export_project, load_code_output, write_qdpx
from combcoder.export.offsets import utf16_length
from combcoder.export.project import Annotation, Project
from combcoder.export.validate import check_qdc, check_qdpx, schema_errors
from combcoder.records import Document, Turn

Q = "{urn:QDA-XML:project:1.0}"


def _project_xml(path):
    with zipfile.ZipFile(path) as archive:
        return fromstring(archive.read("project.qde")), archive


def test_qdpx_is_schema_valid_and_consistent(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "project.qdpx"
    summary = export_project(folder, out, manifest=manifest, validate=True)
    assert check_qdpx(out) == []
    assert summary.documents == 2
    rows = [json.loads(line) for line in (folder / "utterances.jsonl").read_text().splitlines()]
    coded_rows = [r for r in rows if r["codable"]]
    assert summary.selections == len(coded_rows)
    assert summary.codings == 2 * len(coded_rows)  # a domain and a polarity each


def test_qdpx_layout(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "project.qdpx"
    export_project(folder, out, manifest=manifest)
    root, archive = _project_xml(out)
    assert root.tag == f"{Q}Project"
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "project.qde" in names
        texts = {n: archive.read(n) for n in names if n.startswith("sources/")}
    assert len(texts) == 2
    for data in texts.values():
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
        data.decode("utf-8")
    sources = root.findall(f"{Q}Sources/{Q}TextSource")
    assert [s.get("name") for s in sources] == ["patients", "family"]
    for source in sources:
        path = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        assert path in texts


def test_codebook_is_nested_components_subdomains_and_polarity(tmp_path, coded):
    folder, manifest = coded
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest)
    root, _ = _project_xml(out)
    top = root.findall(f"{Q}CodeBook/{Q}Codes/{Q}Code")
    names = {c.get("name"): c for c in top}
    assert {"Capability", "Opportunity", "Motivation", "None", "Polarity"} <= set(names)
    capability = [c.get("name") for c in names["Capability"].findall(f"{Q}Code")]
    assert capability == ["Physical capability", "Psychological capability"]
    assert names["Capability"].get("isCodable") == "false"
    assert [c.get("name") for c in names["Polarity"].findall(f"{Q}Code")] == ["Barrier", "Facilitator", "Neutral"]


def test_model_is_its_own_user_with_confidence_in_descriptions(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest)
    root, _ = _project_xml(out)
    users = root.findall(f"{Q}Users/{Q}User")
    assert [u.get("name") for u in users] == ["combcoder model test-model-1"]
    model_guid = users[0].get("guid")
    selections = list(root.iter(f"{Q}PlainTextSelection"))
    assert selections and all(s.get("creatingUser") == model_guid for s in selections)
    assert all(c.get("creatingUser") == model_guid for s in selections for c in s.findall(f"{Q}Coding"))
    description = selections[0].findtext(f"{Q}Description")
    assert "confidence 0.81" in description and "confidence 0.64" in description
    assert "next:" in description


def test_selections_point_at_the_utterance_text(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest)
    root, _ = _project_xml(out)
    rows = {json.loads(line)["id"]: json.loads(line) for line in (folder / "utterances.jsonl").read_text().splitlines()}
    with zipfile.ZipFile(out) as archive:
        for source in root.iter(f"{Q}TextSource"):
            text = archive.read("sources/" + source.get("plainTextPath")[11:]).decode()
            for selection in source.findall(f"{Q}PlainTextSelection"):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                assert text[start:end] == rows[selection.get("name")]["text"]


def test_speakers_and_groups_are_cases_with_variables(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "p.qdpx"
    export_project(folder, out, manifest=manifest)
    root, _ = _project_xml(out)
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    assert {"Group", "Speaker", "Role", "Source type"} <= set(variables.values())
    cases = {c.get("name"): c for c in root.iter(f"{Q}Case")}
    assert "P1 (patients)" in cases and "Anna (family)" in cases and "Group: patients" in cases
    values = {variables[v.find(f"{Q}VariableRef").get("targetGUID")]: v.findtext(f"{Q}TextValue")
              for v in cases["Interviewer (patients)"].findall(f"{Q}VariableValue")}
    assert values == {"Speaker": "Interviewer", "Role": "interviewer", "Group": "patients", "Document": "patients"}
    assert cases["P1 (patients)"].findall(f"{Q}SelectionRef")  # P1's coded segments


def test_utf16_offsets_count_emoji_twice(coded, tmp_path):
    folder, manifest = coded
    out = tmp_path / "nvivo.qdpx"
    export_project(folder, out, manifest=manifest, offsets="utf16", validate=True)
    root, _ = _project_xml(out)
    rows = {json.loads(line)["id"]: json.loads(line) for line in (folder / "utterances.jsonl").read_text().splitlines()}
    with zipfile.ZipFile(out) as archive:
        source = root.find(f"{Q}Sources/{Q}TextSource")
        text = archive.read("sources/" + source.get("plainTextPath")[11:]).decode()
    as_utf16 = text.encode("utf-16-le")
    shifted = 0
    for selection in source.findall(f"{Q}PlainTextSelection"):
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        row = rows[selection.get("name")]
        assert as_utf16[2 * start:2 * end].decode("utf-16-le") == row["text"]
        shifted += start != row["start"]
    assert shifted  # the emoji in the first answer moved the later selections
    assert "combcoder-offsets: utf16" in root.findtext(f"{Q}Description")


def test_qdc_is_a_valid_codebook(tmp_path):
    out = tmp_path / "comb.qdc"
    summary = export_project(None, out, format="qdc", validate=True)
    assert summary.codes == 14
    assert check_qdc(out) == []
    root = fromstring(out.read_bytes())
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"


def test_validator_catches_a_broken_project():
    bad = b'<Project xmlns="urn:QDA-XML:project:1.0"><Sources><TextSource/></Sources></Project>'
    errors = schema_errors(bad)
    assert any("name" in e for e in errors) and any("guid" in e for e in errors)


def test_csv_has_one_row_per_annotation_and_defuses_formulas(tmp_path):
    document = Document("d1", "d1.txt", "P1: =HYPERLINK(\"http://x\")\n\nP2: fine", [
        Turn(0, "P1", "participant", 4, 26), Turn(1, "P2", "participant", 32, 36)])
    annotations = [
        Annotation("d1:t000:u1", "d1", 4, 26, document.text[4:26], "capability.physical", "barrier", "v1", "model", 0.9, 0.8),
        Annotation("d1:t001:u1", "d1", 32, 36, "fine", "none", "neutral", "Jo", "human"),
    ]
    out = tmp_path / "codes.csv"
    from combcoder.export import write_csv

    write_csv(Project("p", [document], annotations), out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 2
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[0]["component"] == "capability" and rows[0]["domain_label"] == "Physical capability"
    assert rows[1]["coder_kind"] == "human" and rows[1]["coder"] == "Jo"


def test_csv_keeps_original_offsets_without_transcripts(coded, tmp_path):
    folder, _ = coded
    out = tmp_path / "c.csv"
    export_project(folder, out, format="csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    originals = [json.loads(line) for line in (folder / "utterances.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in originals}
    assert all(int(r["start"]) == by_id[r["id"]]["start"] for r in rows)


def test_rebuilt_texts_keep_every_utterance_and_warn(coded, tmp_path):
    folder, _ = coded
    project = load_code_output(folder)
    assert project.warnings and "rebuilt" in project.warnings[0]
    texts = {d.id: d.text for d in project.documents}
    for annotation in project.annotations:
        assert texts[annotation.doc_id][annotation.start:annotation.end] == annotation.text
    out = tmp_path / "rebuilt.qdpx"
    write_qdpx(project, out)
    assert check_qdpx(out) == []


def test_changed_transcript_is_an_error(coded, tmp_path):
    folder, manifest = coded
    (manifest.parent / "patients.txt").write_text("Interviewer: something else entirely\n", encoding="utf-8")
    with pytest.raises(InputError, match="does not match"):
        export_project(folder, tmp_path / "x.qdpx", manifest=manifest)


def test_human_codings_become_their_own_users(tmp_path):
    text = "P1: I can't get to the surgery without a lift."
    document = Document("d", "d.txt", text, [Turn(0, "P1", "participant", 4, len(text))])
    annotations = [
        Annotation("d:t000:u1", "d", 4, len(text), text[4:], "opportunity.physical", "barrier", "v2", "model", 0.7, 0.9),
        Annotation("d:t000:u1", "d", 4, len(text), text[4:], "opportunity.physical", "barrier", "Jo Bloggs", "human"),
    ]
    out = tmp_path / "h.qdpx"
    write_qdpx(Project("p", [document], annotations), out, created=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert check_qdpx(out) == []
    root, _ = _project_xml(out)
    assert sorted(u.get("name") for u in root.iter(f"{Q}User")) == ["Jo Bloggs", "combcoder model v2"]
    assert root.get("creationDateTime") == "2026-01-02T00:00:00Z"


def test_same_project_gives_the_same_file(coded, tmp_path):
    folder, manifest = coded
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    project = load_code_output(folder, manifest=manifest)
    write_qdpx(project, tmp_path / "a.qdpx", created=stamp)
    write_qdpx(project, tmp_path / "b.qdpx", created=stamp)
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_control_characters_in_names_do_not_break_the_xml(tmp_path):
    text = "Ann\x01e: hello there, this is fine"
    document = Document("odd\x02id", "x.txt", text, [Turn(0, "Ann\x01e", "participant", 7, len(text))])
    annotation = Annotation("odd\x02id:t000:u1", "odd\x02id", 7, len(text), text[7:], "none", "neutral", "v", "model")
    out = tmp_path / "odd.qdpx"
    write_qdpx(Project("p\x03", [document], [annotation]), out)
    assert check_qdpx(out) == []


def test_bad_options_are_errors(coded, tmp_path):
    folder, manifest = coded
    with pytest.raises(CombcoderError, match="offset unit"):
        export_project(folder, tmp_path / "x.qdpx", manifest=manifest, offsets="bytes")
    with pytest.raises(CombcoderError, match="export format"):
        export_project(folder, tmp_path / "x.x", format="nvivo")
    with pytest.raises(CombcoderError, match="needs a coded project"):
        export_project(None, tmp_path / "x.qdpx")


def test_utf16_length_helper():
    assert utf16_length("a😀b") == 4 and utf16_length("abc") == 3
