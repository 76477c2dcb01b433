"""Finding documents: folders, globs, CSV and YAML manifests, duplicate ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from combcoder.errors import InputError
from combcoder.ingest import iter_sources, read_source


def test_csv_manifest(data):
    sources = list(iter_sources([], manifest=data / "manifests" / "manifest.csv"))
    assert [(s.path.name, s.doc_id, s.group, s.source_type, s.metadata) for s in sources] == [
        ("interview.txt", "pharmacy-07", "patients", "interview", {"site": "north", "wave": "1"}),
        ("focus_group.md", "carers-fg2", "family members", "focus_group", {"site": "south"}),
        ("captions.vtt", "captions", "staff", "unknown", {"site": "north", "wave": "2"}),
    ]
    doc = read_source(sources[1])
    assert (doc.id, doc.group, doc.source_type) == ("carers-fg2", "family members", "focus_group")
    assert doc.metadata["site"] == "south" and doc.metadata["format"] == "md"


def test_yaml_manifest(data):
    sources = list(iter_sources([], manifest=data / "manifests" / "manifest.yaml"))
    assert [(s.path.name, s.doc_id, s.group, s.source_type) for s in sources] == [
        ("interview.txt", "pharmacy-07", "patients", "interview"),
        ("turns.csv", "turns", "staff", "focus_group"),
    ]
    assert sources[0].metadata == {"site": "north", "consent": {"audio": True}}


def test_command_line_path_gets_manifest_metadata(data):
    manifest = data / "manifests" / "manifest.csv"
    sources = list(iter_sources([data / "interview.txt", data / "captions.srt"], manifest=manifest))
    assert [(s.doc_id, s.group) for s in sources] == [
        ("pharmacy-07", "patients"), ("captions", None)
    ]


def test_directory_expansion_is_recursive_sorted_and_skips_manifests(tmp_path, write):
    write("b.txt", "P1: b")
    write("a/z.md", "P1: z")
    write("a/y.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n")
    write("notes.pdf", b"%PDF")
    write("manifest.csv", "path,id\nb.txt,bee\n")
    write("list.yaml", "documents:\n  - path: b.txt\n")
    write("~$lock.docx", b"\0")
    write(".hidden.txt", "P1: x")
    sources = list(iter_sources([tmp_path]))
    found = [s.path.relative_to(tmp_path).as_posix() for s in sources]
    assert found == ["a/y.vtt", "a/z.md", "b.txt"]
    with_manifest = list(iter_sources([tmp_path], manifest=tmp_path / "manifest.csv"))
    assert [s.doc_id for s in with_manifest] == ["y", "z", "bee"]


def test_glob_and_repeated_paths(tmp_path, write):
    write("x/one.txt", "P1: a")
    write("x/two.csv", "speaker,text\nP1,b\n")
    sources = list(iter_sources([str(tmp_path / "x" / "*.txt"), tmp_path / "x"]))
    assert [s.path.name for s in sources] == ["one.txt", "two.csv"]
    with pytest.raises(InputError, match="no transcripts match"):
        list(iter_sources([str(tmp_path / "x" / "*.docx")]))


def test_duplicate_ids_are_rejected(write):
    first = write("a/p1.txt", "P1: a")
    second = write("b/p1.txt", "P1: b")
    with pytest.raises(InputError, match="duplicate document id 'p1'") as err:
        iter_sources([first, second])
    assert err.value.path == str(second)


def test_duplicate_ids_in_manifest_name_the_line(write):
    write("a.txt", "P1: a")
    write("b.txt", "P1: b")
    manifest = write("m.csv", "path,id\na.txt,same\nb.txt,same\n")
    with pytest.raises(InputError, match="duplicate document id 'same'") as err:
        iter_sources([], manifest=manifest)
    assert err.value.path == str(manifest) and err.value.where == "line 3"


@pytest.mark.parametrize(
    "content, where, message",
    [
        ("path,id,source_type\na.txt,x,workshop\n", "line 2", "unknown source_type 'workshop'"),
        ("path,id\nmissing.txt,x\n", "line 2", "file not found"),
        ("path,id\na.txt,x,extra\n", "line 2", "expected 2 columns, found 3"),
        ("path,id\na.pdf,x\n", "line 2", "unsupported file type '.pdf'"),
        ("file,id\na.txt,x\n", "line 1", "no 'path' column"),
    ],
)
def test_bad_csv_manifest_rows_name_the_line(write, content, where, message):
    write("a.txt", "P1: a")
    write("a.pdf", b"%PDF")
    manifest = write("m.csv", content)
    with pytest.raises(InputError, match=message) as err:
        iter_sources([], manifest=manifest)
    assert err.value.path == str(manifest) and err.value.where == where


@pytest.mark.parametrize(
    "content, where, message",
    [
        ("documents:\n  - path: a.txt\n  - id: x\n", "documents.1 (line 3)", "missing 'path'"),
        ("documents:\n  - path: a.txt\n    source_type: survey\n", "documents.0 (line 2)",
         "unknown source_type"),
        ("documents:\n  - a.txt\n", "documents.0 (line 2)", "expected a mapping"),
        ("documents: [\n", "line 2", "invalid YAML"),
        ("docs:\n  - path: a.txt\n", None, "'documents' list"),
    ],
)
def test_bad_yaml_manifest_entries_name_the_entry(write, content, where, message):
    write("a.txt", "P1: a")
    manifest = write("m.yaml", content)
    with pytest.raises(InputError, match=message) as err:
        iter_sources([], manifest=manifest)
    assert err.value.path == str(manifest) and err.value.where == where


def test_missing_and_unsupported_paths(tmp_path, write):
    with pytest.raises(InputError, match="file not found"):
        iter_sources([tmp_path / "nope.txt"])
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        iter_sources([write("a.pdf", b"%PDF")])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no transcripts in this folder"):
        iter_sources([empty])


def test_sources_are_checked_before_any_is_read(write):
    write("a.txt", "")  # empty, but only read_source would notice
    assert [s.doc_id for s in iter_sources([Path(write("b.txt", "P1: b")).parent])] == ["a", "b"]
