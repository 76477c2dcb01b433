"""What an exchange file holds: documents and the annotations on them, by model or by person.

``load_code_output`` reads the ``code`` command's output folder. ``utterances.jsonl`` has
each utterance's text and offsets but not the whole transcript, so the full texts come from,
in this order: ``documents.jsonl`` in the same folder (written by ``combcoder import``), the
original transcripts passed as ``sources`` (re-read and checked against every utterance), or,
failing both, a text rebuilt from the utterances ("Speaker: text" blocks, with a warning).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..jsonl import is_whole_number, iter_objects
from ..records import Document, Turn

CoderKind = Literal["model", "human"]


@dataclass
class Annotation:
    """One coder's code for one span of a document: a sub-domain and (optionally) a polarity.

    ``id`` is the utterance id when the span is a combcoder utterance, else
    ``"{doc_id}:{start}-{end}"``. ``domain`` may be None when the coder gave only a polarity.
    """

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    domain: str | None
    polarity: str | None
    coder: str
    coder_kind: CoderKind = "human"
    domain_score: float | None = None
    polarity_score: float | None = None
    suggestions: list[dict[str, Any]] | None = None  # the model's runner-up domains
    speaker: str | None = None
    codes: list[str] = field(default_factory=list)  # code names as the QDA program had them
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Project:
    """Documents and annotations to exchange with a QDA program."""

    name: str
    documents: list[Document]
    annotations: list[Annotation]
    warnings: list[str] = field(default_factory=list)

    def annotations_by_document(self) -> dict[str, list[Annotation]]:
        found: dict[str, list[Annotation]] = defaultdict(list)
        for annotation in self.annotations:
            found[annotation.doc_id].append(annotation)
        return found


def load_code_output(path: str | Path, sources: Iterable[str | Path] | None = None, *,
                     manifest: str | Path | None = None, name: str | None = None,
                     need_texts: bool = True) -> Project:
    """Read a ``code`` output folder (or its utterances.jsonl) into a Project.

    The model's suggestion on each coded utterance becomes a model annotation; a ``human``
    block ``{"domain", "polarity", "coder"}`` on a line becomes a human annotation. With
    ``need_texts=False`` (a CSV export) documents without a known text stay empty and the
    offsets are kept as they are.
    """
    path = Path(path)
    file = path / "utterances.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise InputError(file, "no utterances.jsonl here", hint="run `combcoder code ... -o FOLDER` first")
    rows = list(_read_rows(file))
    if not rows:
        raise InputError(file, "no utterances in this file")
    documents_file = file.parent / "documents.jsonl"
    warnings: list[str] = []
    if sources or manifest:
        documents = _reread(rows, sources or [], manifest, file)
    elif documents_file.is_file():
        documents = {d.id: d for d in read_documents_jsonl(documents_file)}
        _check_texts(rows, documents, file, documents_file)
    elif not need_texts:
        documents = {r["doc_id"]: Document(r["doc_id"], "", "", [], r.get("group"),
                                           r.get("source_type") or "unknown") for r in rows}
    else:
        documents, rows = _rebuild(rows)
        warnings.append(
            "transcript texts were rebuilt from the utterances (speaker labels and layout may "
            "differ from the originals); pass the transcripts as sources to export them as they are"
        )
    annotations = [a for row in rows for a in _annotations(row)]
    ordered = [documents[doc_id] for doc_id in dict.fromkeys(r["doc_id"] for r in rows)]
    name = name or (path.name if path.is_dir() else file.parent.name) or "combcoder"
    return Project(name, ordered, annotations, warnings)


def _read_rows(file: Path) -> Iterator[dict[str, Any]]:
    for number, row in iter_objects(file):
        where = f"line {number}"
        for key, kind in (("id", str), ("doc_id", str), ("start", int), ("end", int), ("text", str)):
            if not (is_whole_number(row.get(key)) if kind is int else isinstance(row.get(key), kind)):
                raise InputError(file, f"missing or invalid {key!r}", where=where,
                                 hint="expected the utterances.jsonl written by `combcoder code`")
        if not 0 <= row["start"] <= row["end"]:
            raise InputError(file, f"bad offsets {row['start']}-{row['end']}", where=where)
        row["_where"] = where
        yield row


def _annotations(row: dict[str, Any]) -> Iterator[Annotation]:
    common = dict(id=row["id"], doc_id=row["doc_id"], start=row["start"], end=row["end"],
                  text=row["text"], speaker=row.get("speaker"))
    if row.get("codable", True) and row.get("domain"):
        yield Annotation(
            **common, domain=row["domain"], polarity=row.get("polarity"),
            coder=str(row.get("model") or "model"), coder_kind="model",
            domain_score=row.get("domain_score"), polarity_score=row.get("polarity_score"),
            suggestions=row.get("suggestions"),
        )
    human = row.get("human")
    if isinstance(human, dict) and (human.get("domain") or human.get("polarity")):
        yield Annotation(
            **common, domain=human.get("domain"), polarity=human.get("polarity"),
            coder=str(human.get("coder") or "reviewer"), coder_kind="human", note=human.get("note"),
        )


def _check_texts(rows: list[dict], documents: dict[str, Document], file: Path, origin: Path) -> None:
    for row in rows:
        document = documents.get(row["doc_id"])
        if document is None:
            raise InputError(file, f"document {row['doc_id']!r} is not in {origin}", where=row["_where"])
        if document.text[row["start"]:row["end"]] != row["text"]:
            raise InputError(
                file, f"utterance {row['id']!r} does not match the text of {document.path} at "
                f"{row['start']}-{row['end']}", where=row["_where"],
                hint="the transcript changed after coding; code it again",
            )


def _reread(rows: list[dict], sources: Iterable[str | Path], manifest: str | Path | None,
            file: Path) -> dict[str, Document]:
    from ..ingest import iter_sources, read_source

    wanted = {r["doc_id"] for r in rows}
    documents = {s.doc_id: read_source(s) for s in iter_sources(list(sources), manifest) if s.doc_id in wanted}
    missing = sorted(wanted - set(documents))
    if missing:
        raise InputError(file, f"no transcript given for document(s) {', '.join(missing[:5])}",
                         hint="pass the transcripts (or the manifest's folder) that were coded")
    _check_texts(rows, documents, file, Path("the transcripts"))
    for row in rows:  # the coded run may have had a manifest that these paths lack
        document = documents[row["doc_id"]]
        document.group = document.group or row.get("group")
        if document.source_type == "unknown" and row.get("source_type"):
            document.source_type = row["source_type"]
    return documents


def _rebuild(rows: list[dict]) -> tuple[dict[str, Document], list[dict]]:
    """Rebuild each document as "Speaker: text" blocks, one per turn, and move the offsets."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_doc[row["doc_id"]].append(row)
    documents = {}
    moved = []
    for doc_id, doc_rows in by_doc.items():
        doc_rows.sort(key=lambda r: (r["start"], r["end"]))
        parts: list[str] = []
        turns: list[Turn] = []
        position = 0
        last_turn = None
        for row in doc_rows:
            new_turn = row.get("turn_index") != last_turn or last_turn is None
            if new_turn:
                if parts:
                    parts.append("\n\n")
                    position += 2
                label = f"{row['speaker']}: " if row.get("speaker") else ""
                parts.append(label)
                position += len(label)
                turns.append(Turn(len(turns), row.get("speaker"), row.get("role") or "unknown", position, position,
                                  time_start=row.get("time_start"), time_end=row.get("time_end")))
            else:
                parts.append(" ")
                position += 1
            last_turn = row.get("turn_index")
            start = position
            parts.append(row["text"])
            position += len(row["text"])
            turns[-1].end = position
            moved.append({**row, "start": start, "end": position})
        first = doc_rows[0]
        documents[doc_id] = Document(
            id=doc_id, path=f"{doc_id}.txt", text="".join(parts), turns=turns,
            group=first.get("group"), source_type=first.get("source_type") or "unknown",
            metadata={"rebuilt": True},
        )
    return documents, moved


def document_to_dict(document: Document) -> dict[str, Any]:
    """Return a Document as a JSON-ready dict (turns as dicts)."""
    return asdict(document)


def read_documents_jsonl(path: str | Path) -> list[Document]:
    """Read documents.jsonl (as written by ``combcoder import``) back into Documents."""
    path = Path(path)
    documents = []
    for number, row in iter_objects(path):
        where = f"line {number}"
        try:
            turns = [Turn(**t) for t in row.pop("turns")]
            document = Document(**row, turns=turns)
        except (TypeError, KeyError, AttributeError) as exc:
            raise InputError(path, f"not a document record: {exc}", where=where) from None
        if not isinstance(document.text, str) or not isinstance(document.id, str):
            raise InputError(path, "not a document record: text and id must be strings", where=where)
        for turn in document.turns:
            if not (is_whole_number(turn.start) and is_whole_number(turn.end)) \
                    or not 0 <= turn.start <= turn.end <= len(document.text):
                raise InputError(path, f"turn {turn.index} offsets outside the text", where=where)
        documents.append(document)
    return documents


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line; return the number written."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
