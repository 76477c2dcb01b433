"""read_document: dispatch, ids, source types and metadata."""

from __future__ import annotations

import pytest

from combcoder.errors import InputError
from combcoder.ingest import SUPPORTED_EXTENSIONS, read_document


def test_unknown_extension_lists_supported_ones(write):
    with pytest.raises(InputError, match="unsupported file type '.pdf'") as err:
        read_document(write("a.pdf", b"%PDF-1.4"))
    assert err.value.hint == "supported: " + " ".join(SUPPORTED_EXTENSIONS)
    assert {".txt", ".md", ".docx", ".vtt", ".srt", ".csv", ".jsonl"} == set(SUPPORTED_EXTENSIONS)


def test_extension_is_case_insensitive_and_missing_file_is_named(write, tmp_path):
    assert read_document(write("A.TXT", "P1: hi")).id == "A"
    with pytest.raises(InputError, match="file not found"):
        read_document(tmp_path / "gone.txt")


@pytest.mark.parametrize(
    "given, expected",
    [(None, "unknown"), ("Focus group", "focus_group"), ("focus-group", "focus_group"),
     ("INTERVIEW", "interview"), ("diary", "diary")],
)
def test_source_type_is_normalised(write, given, expected):
    assert read_document(write("a.txt", "P1: hi"), source_type=given).source_type == expected


def test_bad_source_type(write):
    with pytest.raises(InputError, match="unknown source_type 'survey'") as err:
        read_document(write("a.txt", "P1: hi"), source_type="survey")
    assert err.value.where == "source_type"


def test_id_group_and_metadata(write):
    doc = read_document(
        write("a.txt", "P1: hi"), doc_id="fg-1", group="patients",
        metadata={"site": "north", "units_read": 99},
    )
    assert (doc.id, doc.group, doc.path.endswith("a.txt")) == ("fg-1", "patients", True)
    assert doc.metadata["site"] == "north"
    assert doc.metadata["units_read"] == 1  # the reader's count, not the caller's
