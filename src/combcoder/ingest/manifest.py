"""Find the documents to read: expand folders and globs, and apply a manifest's metadata.

A manifest is a CSV with a header ``path,id,group,source_type`` (more columns go to
metadata) or a YAML file ``documents: [{path, id, group, source_type, ...}]``. Paths in it
are relative to the manifest's folder.
"""

from __future__ import annotations

import csv
import glob
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from combcoder.errors import InputError
from combcoder.ingest.decode import read_text
from combcoder.ingest.read import SUPPORTED_EXTENSIONS, normalise_source_type, read_document
from combcoder.ingest.speakers import SpeakerConfig
from combcoder.records import Document

MANIFEST_NAMES = frozenset({"manifest.csv", "manifest.yaml", "manifest.yml"})
_FIELDS = ("path", "id", "group", "source_type")


@dataclass
class Source:
    """A file to read and what the manifest says about it."""

    path: Path
    doc_id: str
    group: str | None = None
    source_type: str = "unknown"
    metadata: dict[str, Any] = field(default_factory=dict)


def read_source(source: Source, speakers: SpeakerConfig | None = None) -> Document:
    """Read the Document a Source describes."""
    return read_document(
        source.path,
        doc_id=source.doc_id,
        group=source.group,
        source_type=source.source_type,
        metadata=source.metadata,
        speakers=speakers,
    )


def iter_sources(
    paths: Iterable[str | Path], manifest: str | Path | None = None
) -> Iterator[Source]:
    """Return the Sources for files, folders (recursive) and globs, checked before any is read.

    With a manifest and no paths, yield the manifest's documents. With paths, a file the
    manifest lists gets its id, group, source type and metadata. Raise InputError for a
    missing file, an unsupported one, or two documents with the same id.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    entries = load_manifest(manifest) if manifest is not None else []
    by_file = {entry.path.resolve(): entry for entry in entries}
    skip = {Path(manifest).resolve()} if manifest is not None else set()
    paths = list(paths)
    if paths:
        files = _expand(paths, skip)
        sources = [by_file.get(f.resolve()) or Source(f, f.stem) for f in files]
    else:
        sources = entries
    unique: dict[Path, Source] = {}
    for source in sources:
        unique.setdefault(source.path.resolve(), source)
    owners: dict[str, Source] = {}
    for source in unique.values():
        other = owners.setdefault(source.doc_id, source)
        if other is not source:
            raise InputError(
                source.path,
                f"duplicate document id {source.doc_id!r}: {other.path} has it too",
                hint="rename one file, or give ids in a manifest",
            )
    return iter(list(unique.values()))


def load_manifest(path: str | Path) -> list[Source]:
    """Read a CSV or YAML manifest; raise InputError naming the manifest and the row."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise InputError(path, f"unsupported manifest type {suffix!r}", hint="use .csv or .yaml")
    if not path.is_file():
        raise InputError(path, "manifest not found")
    text = read_text(path).text
    rows = _csv_rows(path, text) if suffix == ".csv" else _yaml_rows(path, text)
    sources = []
    ids: dict[str, str] = {}
    for where, row in rows:
        source = _source(path, where, row)
        if source.doc_id in ids:
            raise InputError(
                path, f"duplicate document id {source.doc_id!r} (first at {ids[source.doc_id]})",
                where=where,
            )
        ids[source.doc_id] = where
        sources.append(source)
    return sources


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text), strict=True)
    rows = []
    try:
        header = [h.strip() for h in next(reader)]
        keys = [h.casefold() if h.casefold() in _FIELDS else h for h in header]
        if "path" not in keys:
            raise InputError(
                path, f"no 'path' column; found {', '.join(header)}", where="line 1",
                hint="the header is path,id,group,source_type[,more metadata columns]",
            )
        line = reader.line_num
        for row in reader:
            first, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    path, f"expected {len(header)} columns, found {len(row)}", where=f"line {first}"
                )
            rows.append((f"line {first}", {k: v.strip() for k, v in zip(keys, row) if v.strip()}))
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV: {exc}", where=f"line {reader.line_num}") from None
    return rows


def _yaml_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or exc
        raise InputError(path, f"invalid YAML: {problem}", where=where) from None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise InputError(
            path, "expected a mapping with a 'documents' list", hint="documents: [{path: a.txt}]"
        )
    extra = sorted(set(data) - {"documents"})
    if extra:
        raise InputError(
            path, f"unknown top-level key(s) {', '.join(map(str, extra))}; expected 'documents'"
        )
    items = next(v for k, v in root.value if k.value == "documents").value
    rows = []
    for i, (entry, node) in enumerate(zip(data["documents"], items)):
        where = f"documents.{i} (line {node.start_mark.line + 1})"
        if not isinstance(entry, dict):
            raise InputError(path, "expected a mapping with a 'path'", where=where)
        rows.append((where, {str(k): v for k, v in entry.items() if v is not None}))
    return rows


def _source(manifest: Path, where: str, row: dict[str, Any]) -> Source:
    value = row.get("path")
    if not isinstance(value, str) or not value.strip():
        raise InputError(manifest, "missing 'path'", where=where)
    file = Path(value.strip())
    if not file.is_absolute():
        file = Path(os.path.normpath(manifest.parent / file))
    if file.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise InputError(
            manifest, f"unsupported file type {file.suffix!r} for {value}", where=where,
            hint=f"supported: {' '.join(SUPPORTED_EXTENSIONS)}",
        )
    if not file.is_file():
        raise InputError(manifest, f"file not found: {file}", where=where)
    try:
        source_type = normalise_source_type(row.get("source_type"))
    except ValueError as exc:
        raise InputError(manifest, str(exc), where=where) from None
    doc_id = str(row.get("id", "")).strip() or file.stem
    group = row.get("group")
    metadata = {k: v for k, v in row.items() if k not in _FIELDS}
    return Source(file, doc_id, None if group is None else str(group), source_type, metadata)


def _expand(paths: list[str | Path], skip: set[Path]) -> list[Path]:
    files: list[Path] = []
    supported = f"supported: {' '.join(SUPPORTED_EXTENSIONS)}"
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _files_in(sorted(path.rglob("*")), skip)
            if not found:
                raise InputError(path, "no transcripts in this folder", hint=supported)
            files += found
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
                kind = path.suffix or "(no extension)"
                raise InputError(path, f"unsupported file type {kind!r}", hint=supported)
            files.append(path)
        elif glob.has_magic(str(given)):
            matches = sorted(Path(m) for m in glob.glob(str(given), recursive=True))
            found = []
            for match in matches:
                inside = sorted(match.rglob("*")) if match.is_dir() else [match]
                found += _files_in(inside, skip)
            if not found:
                raise InputError(given, "no transcripts match this pattern")
            files += found
        else:
            raise InputError(path, "file not found")
    return files


def _files_in(candidates: list[Path], skip: set[Path]) -> list[Path]:
    """Keep supported transcript files; leave out manifests, hidden files and Word lock files."""
    return [
        p for p in candidates
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_EXTENSIONS
        and p.name.lower() not in MANIFEST_NAMES
        and not p.name.startswith((".", "~$"))
        and p.resolve() not in skip
    ]
