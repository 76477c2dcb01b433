"""CSV and JSON Lines: column aliases, times, roles, and errors naming the line."""

from __future__ import annotations

import pytest

from combcoder.errors import InputError
from combcoder.ingest import read_document


def test_csv_sample(data):
    doc = read_document(data / "turns.csv")
    assert doc.text == (
        "Interviewer: How do you take your tablets?\n\n"
        "Patient 3: With breakfast, mostly.\n\n"
        "Patient 3: Sometimes I forget, to be honest."
    )
    got = [(t.speaker, t.role, doc.turn_text(t), t.line, t.time_start, t.time_end)
           for t in doc.turns]
    assert got == [
        ("Interviewer", "interviewer", "How do you take your tablets?", 2, 0.0, 4.5),
        ("Patient 3", "participant", "With breakfast, mostly.", 3, 5.0, 7.25),
        ("Patient 3", "participant", "Sometimes I forget, to be honest.", 4, 8.0, 10.0),
    ]
    assert doc.metadata["units_read"] == 3


def test_jsonl_sample(data):
    doc = read_document(data / "turns.jsonl")
    got = [(t.speaker, t.role, doc.turn_text(t), t.line, t.time_start) for t in doc.turns]
    assert got == [
        ("Moderator", "interviewer", "What would you change?", 1, 721.0),
        ("R2", "participant", "Longer opening hours. 🙂", 3, 725.5),
    ]
    assert doc.metadata["units_read"] == 2


def test_csv_missing_text_column_lists_found_columns(data):
    with pytest.raises(InputError, match="no text column") as err:
        read_document(data / "missing_text.csv")
    assert "found speaker, comment, start" in str(err.value)
    assert err.value.where == "line 1"


def test_jsonl_bad_line_is_named(data):
    with pytest.raises(InputError, match="invalid JSON") as err:
        read_document(data / "bad_line.jsonl")
    assert err.value.where == "line 2"


def test_jsonl_line_without_text_field(write):
    path = write("x.jsonl", '{"speaker": "A", "text": "ok"}\n{"speaker": "B", "said": "no"}\n')
    with pytest.raises(InputError, match="no text column.*found speaker, said") as err:
        read_document(path)
    assert err.value.where == "line 2"


def test_csv_wrong_column_count_names_line(write):
    path = write("x.csv", 'speaker,text\nP1,"multi\nline"\nP2,one,extra\n')
    with pytest.raises(InputError, match="expected 2 columns, found 3") as err:
        read_document(path)
    assert err.value.where == "line 4"


def test_csv_semicolons_roles_and_empty_rows(write):
    path = write("x.csv", "TEXT;Participant;ROLE\nHello;Kim;Moderator\n;Kim;\n\nBye;Kim;unknown\n")
    doc = read_document(path)
    assert [(t.speaker, t.role, doc.turn_text(t), t.line) for t in doc.turns] == [
        ("Kim", "interviewer", "Hello", 2), ("Kim", "unknown", "Bye", 5)
    ]
    assert doc.metadata["units_read"] == 3
    assert doc.metadata["warnings"] == ["line 3: empty text"]


def test_csv_bad_time_names_line(write):
    with pytest.raises(InputError, match="start: expected seconds") as err:
        read_document(write("x.csv", "speaker,text,start\nP1,hi,soon\n"))
    assert err.value.where == "line 2"


def test_csv_unterminated_quote_is_an_error(write):
    with pytest.raises(InputError, match="malformed CSV|expected 2 columns"):
        read_document(write("x.csv", 'speaker,text\nP1,"never closed\nP2,b\n'))


def test_csv_with_no_text_rows_is_rejected(write):
    with pytest.raises(InputError, match="no row has any text"):
        read_document(write("x.csv", "speaker,text\nP1,\n"))
