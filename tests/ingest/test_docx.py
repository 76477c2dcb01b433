"""Word transcripts: labels as text, bold runs and table rows; malformed and unsafe packages."""

from __future__ import annotations

import zipfile

import docx
import pytest
from docx.oxml import parse_xml

from combcoder.errors import InputError
from combcoder.ingest import read_document
from combcoder.ingest import docx as docx_reader

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def bold_label(document, label, rest):
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(rest)
    return paragraph


@pytest.fixture
def transcript(tmp_path):
    document = docx.Document()
    document.add_heading("Interview 4", level=1)
    document.add_paragraph("Recorded at the clinic.")
    bold_label(document, "Interviewer:", " How did you find the clinic?")
    bold_label(document, "Anna", ": It was far away.")
    document.add_paragraph("")
    document.add_paragraph("P2: Text label.\nSecond line.")
    table = document.add_table(rows=3, cols=2)
    for row, (who, said) in enumerate(
        [("Interviewer", "And the staff?"), ("Anna", "Kind, mostly."), ("Age", "45")]
    ):
        table.cell(row, 0).text = who
        table.cell(row, 1).text = said
    bold_label(document, "Important", " thing, not a label.")
    path = tmp_path / "interview.docx"
    document.save(path)
    return path


def test_docx_paragraphs_tables_and_labels(transcript):
    doc = read_document(transcript)
    assert doc.text.startswith("Interview 4\n\nRecorded at the clinic.\n\nInterviewer: How did")
    assert "\n\nAnna: It was far away.\n\n" in doc.text
    got = [(t.speaker, t.role, doc.turn_text(t), t.line) for t in doc.turns]
    assert got == [
        (None, "unknown", "Interview 4", 1),
        (None, "unknown", "Recorded at the clinic.", 2),
        ("Interviewer", "interviewer", "How did you find the clinic?", 3),
        ("Anna", "participant", "It was far away.", 4),
        ("P2", "participant", "Text label.\nSecond line.", 6),
        ("Interviewer", "interviewer", "And the staff?", 8),
        ("Anna", "participant", "Kind, mostly.", 10),
        # "Age" is named in one row only, so it is not a speaker: Anna goes on.
        ("Anna", "participant", "Age", 11),
        ("Anna", "participant", "45", 12),
        ("Anna", "participant", "Important thing, not a label.", 13),
    ]
    assert doc.metadata["paragraphs"] == 13  # 7 body paragraphs + 6 table cells
    assert doc.metadata["units_read"] == 12  # the empty paragraph holds no text
    assert doc.metadata["warnings"] == []


def test_tracked_changes_read_as_accepted(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("P1: kept ")
    paragraph._p.append(parse_xml(
        f'<w:ins {W_NS} w:id="1" w:author="a"><w:r><w:t>inserted</w:t></w:r></w:ins>'
    ))
    paragraph._p.append(parse_xml(
        f'<w:del {W_NS} w:id="2" w:author="a"><w:r><w:delText> deleted</w:delText></w:r></w:del>'
    ))
    path = tmp_path / "tracked.docx"
    document.save(path)
    doc = read_document(path)
    assert doc.turn_text(doc.turns[0]) == "kept inserted"
    assert doc.metadata["warnings"] == []


def test_unread_text_box_is_reported(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("P1: main text")
    paragraph._p.append(parse_xml(
        f'<w:r {W_NS}><w:pict><w:txbxContent><w:p><w:r><w:t>boxed words</w:t></w:r></w:p>'
        "</w:txbxContent></w:pict></w:r>"
    ))
    path = tmp_path / "box.docx"
    document.save(path)
    doc = read_document(path)
    assert doc.turn_text(doc.turns[0]) == "main text"
    assert doc.metadata["warnings"] == [
        "10 characters in text boxes or other objects were not read"
    ]


def test_empty_docx_is_rejected(tmp_path):
    path = tmp_path / "empty.docx"
    docx.Document().save(path)
    with pytest.raises(InputError, match="empty file"):
        read_document(path)


def test_not_a_zip_is_rejected(write):
    with pytest.raises(InputError, match="not a valid .docx"):
        read_document(write("fake.docx", "P1: I am plain text"))


def test_zip_without_document_xml_is_rejected(tmp_path):
    path = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(InputError, match="no word/document.xml"):
        read_document(path)


def rewrite_part(source, target, name, data):
    """Copy a .docx, replacing part ``name`` with ``data``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, data if item.filename == name else src.read(item.filename))


def test_bad_xml_is_rejected(transcript, tmp_path):
    path = tmp_path / "badxml.docx"
    rewrite_part(transcript, path, "word/document.xml", b"<w:document><w:body><w:p>")
    with pytest.raises(InputError, match="bad XML in word/document.xml"):
        read_document(path)


def test_entity_expansion_is_refused(transcript, tmp_path):
    path = tmp_path / "lol.docx"
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;&a;</d>'
    rewrite_part(transcript, path, "word/document.xml", bomb)
    with pytest.raises(InputError, match="unsafe XML"):
        read_document(path)


def test_zip_bomb_is_refused(transcript, tmp_path):
    path = tmp_path / "bomb.docx"
    rewrite_part(transcript, path, None, None)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("word/media/padding.bin", b"\0" * (4 * 1024 * 1024))
    with pytest.raises(InputError, match="zip bomb"):
        read_document(path)


def test_total_uncompressed_size_is_limited(transcript, monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(InputError, match="limit for a .docx"):
        read_document(transcript)


@pytest.mark.parametrize(
    "part, data, message",
    [
        ("word/document.xml", b"<foo/>", "no document body"),
        ("[Content_Types].xml", b"<Types/>", "cannot read .docx"),
        ("word/_rels/document.xml.rels", b"garbage<", "cannot read .docx"),
        ("word/styles.xml", b"<<<", "cannot read .docx"),
    ],
)
def test_broken_package_parts_are_input_errors(transcript, tmp_path, part, data, message):
    path = tmp_path / "broken.docx"
    rewrite_part(transcript, path, part, data)
    with pytest.raises(InputError, match=message):
        read_document(path)
