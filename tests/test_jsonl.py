"""JSONL readers: every bad line is one InputError naming the file and the line."""

from __future__ import annotations

import pytest

from combcoder.errors import InputError
from combcoder.jsonl import iter_objects
from combcoder.train.data import read_examples

GOOD = '{"id": "u1", "text": "I weigh myself most days.", "domain": "capability.physical", "polarity": "facilitator", "split": "train"}'


def test_objects_come_with_their_line_numbers_and_a_bom_is_allowed(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}\n\n  \n{"b": "\xc3\xa9"}\n')
    assert list(iter_objects(path)) == [(1, {"a": 1}), (4, {"b": "é"})]


@pytest.mark.parametrize("content, reason, line", [
    (b'{"a": 1}\n{"b": "caf\xe9"}\n', "not UTF-8 text", 2),
    (b'{"a": 1}\n{"b": \n', "invalid JSON", 2),
    (b'{"a": 1}\n{"b": 2}\n[1, 2]\n', "expected a JSON object", 3),
    (b'"just a string"\n', "expected a JSON object", 1),
])
def test_a_bad_line_is_named(tmp_path, content, reason, line):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        list(iter_objects(path))
    assert error.value.where == f"line {line}" and reason in error.value.reason and str(path) in str(error.value)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        list(iter_objects(tmp_path / "absent.jsonl"))


def test_training_data_that_is_not_an_object_is_an_input_error(tmp_path):
    path = tmp_path / "extra.jsonl"
    path.write_text(GOOD + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_examples(path)
    assert error.value.where == "line 2"
    path.write_text(GOOD + "\n", encoding="utf-8")
    assert [e.id for e in read_examples(path)] == ["u1"]


@pytest.mark.parametrize("start", ['"3"', "true", "3.5"])
def test_annotation_import_offsets_must_be_whole_numbers(tmp_path, start):
    from combcoder.store.annotations import _read_import_lines

    path = tmp_path / "codes.jsonl"
    line = '{"doc": "fg1", "start": %s, "end": 9, "domain": "none", "polarity": "neutral"}\n'
    path.write_text(line % start, encoding="utf-8")
    with pytest.raises(InputError, match="whole numbers") as error:
        _read_import_lines(path)
    assert error.value.where == "line 1"
    path.write_text(line % "3", encoding="utf-8")
    assert _read_import_lines(path)[0][1] == ("fg1", 3, 9)
