"""Load coding sources: who coded which unit how, from JSONL or CSV files.

A source file holds one unit per line or row with ``id``, ``domain`` and ``polarity`` (other
columns are ignored). The ``code`` command's ``utterances.jsonl`` is a source too: lines with
``codable: false`` or a null domain count as missing. Any other origin (the review store, a
spreadsheet read elsewhere) plugs in as a plain ``{unit_id: label}`` mapping per source.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CombcoderError, InputError

FIELDS: tuple[str, ...] = ("domain", "polarity", "joint")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv", ".tsv")


def check_field(name: str) -> str:
    """Return ``name`` if it is a known field; raise CombcoderError listing the valid ones."""
    if name not in FIELDS:
        raise CombcoderError(f"unknown field {name!r}; expected one of {', '.join(FIELDS)}")
    return name


@dataclass(frozen=True)
class Coding:
    """One source's codes for one unit; None means not coded."""

    domain: str | None
    polarity: str | None

    def label(self, field: str) -> str | None:
        """Return the label for ``field``; the joint label is "domain/polarity"."""
        if field == "joint":
            if self.domain is None or self.polarity is None:
                return None
            return f"{self.domain}/{self.polarity}"
        return getattr(self, check_field(field))


@dataclass
class CodingSource:
    """A named coder (a person, a model version) and its codings by unit id."""

    name: str
    codings: dict[str, Coding]
    texts: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def labels(self, field: str = "domain") -> dict[str, str]:
        """Return ``{unit_id: label}`` for the units this source coded on ``field``."""
        check_field(field)
        found = ((uid, coding.label(field)) for uid, coding in self.codings.items())
        return {uid: label for uid, label in found if label is not None}


def load_source(path: str | Path, name: str | None = None, *, human: bool = False) -> CodingSource:
    """Read a JSONL or CSV coding file; name the source ``name`` or the file stem.

    With ``human=True``, read the ``human`` block of ``code`` output lines instead of the model's
    codes; lines without one are missing.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        rows = _jsonl_rows(path)
    elif suffix in CSV_SUFFIXES:
        rows = _csv_rows(path, delimiter="\t" if suffix == ".tsv" else ",")
    else:
        raise InputError(
            path, f"unknown coding file type {path.suffix or '(none)'!r}",
            hint="expected .jsonl, .ndjson, .csv or .tsv",
        )
    source = CodingSource(name=name or path.stem, codings={}, path=str(path))
    first_seen: dict[str, str] = {}
    for where, row in rows:
        _add_row(source, row, where, first_seen, human)
    if not source.codings:
        raise InputError(path, "no coded units found", hint="expected rows with id, domain, polarity")
    return source


def load_sources(
    paths: Sequence[str | Path], names: Sequence[str | None] | None = None, *, human: bool = False
) -> list[CodingSource]:
    """Load several sources; raise CombcoderError when two end up with the same name."""
    names = list(names) if names is not None else [None] * len(paths)
    if len(names) != len(paths):
        raise CombcoderError(f"got {len(paths)} source files but {len(names)} names")
    sources = [load_source(p, n, human=human) for p, n in zip(paths, names)]
    _check_unique([s.name for s in sources])
    return sources


def labels_by_source(sources: Iterable[CodingSource], field: str = "domain") -> dict[str, dict[str, str]]:
    """Return ``{source_name: {unit_id: label}}``, the input of :func:`agreement`."""
    sources = list(sources)
    _check_unique([s.name for s in sources])
    return {s.name: s.labels(field) for s in sources}


def codebook_categories(codebook, field: str = "domain") -> list[str]:
    """Return the codebook's codes for ``field``, to pass as ``agreement(categories=...)``."""
    domains = list(codebook.domain_ids)
    polarities = [p.id for p in codebook.polarities]
    if check_field(field) == "domain":
        return domains
    if field == "polarity":
        return polarities
    return [f"{d}/{p}" for d in domains for p in polarities]


def source_from_mapping(name: str, codings: Mapping[str, Mapping[str, Any]]) -> CodingSource:
    """Build a source from ``{unit_id: {"domain": ..., "polarity": ...}}`` (e.g. the store)."""
    return CodingSource(
        name=name,
        codings={str(uid): Coding(_clean(c.get("domain")), _clean(c.get("polarity")))
                 for uid, c in codings.items()},
    )


def _check_unique(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CombcoderError(
                f"two sources are both named {name!r}; give each source its own name "
                "(files with the same stem need explicit names)"
            )
        seen.add(name)


def _add_row(source: CodingSource, row: dict[str, Any], where: str, first_seen: dict, human: bool) -> None:
    path = source.path
    uid = row.get("id")
    if uid is None or str(uid).strip() == "":
        raise InputError(path, "missing unit id", where, hint="every row needs an 'id'")
    uid = str(uid).strip()
    coding = _coding_of(row, path, where, human)
    known = source.codings.get(uid)
    if known is not None and known != coding:
        raise InputError(
            path, f"unit {uid!r} is coded twice with different codes (first at {first_seen[uid]})", where
        )
    source.codings[uid] = coding
    first_seen.setdefault(uid, where)
    if isinstance(row.get("text"), str):
        source.texts[uid] = row["text"]


def _coding_of(row: dict[str, Any], path: str | None, where: str, human: bool) -> Coding:
    if human:
        block = row.get("human")
        if block is None:
            return Coding(None, None)
        if not isinstance(block, dict):
            raise InputError(path, "'human' must be an object with domain and polarity", where)
        return Coding(_clean(block.get("domain")), _clean(block.get("polarity")))
    if row.get("codable") is False:
        return Coding(None, None)
    return Coding(_clean(row.get("domain")), _clean(row.get("polarity")))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _jsonl_rows(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    text = _read(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", where) from None
        if not isinstance(row, dict):
            raise InputError(path, f"expected a JSON object, found {type(row).__name__}", where)
        yield where, row


def _csv_rows(path: Path, delimiter: str) -> Iterable[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(_read(path), newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    if "id" not in header or not {"domain", "polarity"} & set(header):
        raise InputError(
            path, f"header has columns {header}", "line 1",
            hint="expected columns id and domain and/or polarity",
        )
    reader.fieldnames = header
    for row in reader:
        yield f"line {reader.line_num}", row


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read file: {exc}") from None
