"""Read a REFI-QDA project (.qdpx): transcripts become Documents, codings become Annotations.

Safety: the archive is read in memory within limits (see ``safezip``); ``project.qde`` is
streamed through defusedxml's SAX parser, which refuses any DTD (so no XXE, no entity
expansion); no tree is built, and elements and nesting depth are capped.

What is read: every ``TextSource`` whose text is inside the archive (``internal://`` or
inline ``PlainTextContent``); every ``PlainTextSelection`` in it, with its ``Coding``s
grouped by coder. Codes are mapped to COM-B sub-domains and polarities by name (see
``mapping``). The model's own codings (user "combcoder model ...") are left out unless
asked for. Nothing is dropped silently: every coding ends in one bucket of
``ImportSummary.codings`` and every source not read is listed with the reason.

Offsets: ``offsets="auto"`` takes the unit a combcoder export declares; otherwise it tries
code points and UTF-16 units, and CRLF counted as one or two, against the selection names
that hold the selected text (as NVivo and QualCoder write them), then falls back to UTF-16
for NVivo projects and code points for everything else.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.sax as defused_sax
from defusedxml import DefusedXmlException

from ..codebook import Codebook, load_codebook
from ..errors import CombcoderError, InputError
from ..records import Document
from .mapping import CodeMapper, load_mapping
from .offsets import UNITS, PositionMap
from .project import Annotation, Project, document_to_dict, write_jsonl
from .qdpx import MODEL_USER_PREFIX, OFFSETS_NOTE, user_guid
from .safezip import DEFAULT_LIMITS, SafeZip, ZipLimits, is_safe_name

MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 200
CODING_BUCKETS = ("imported", "model", "unmapped", "ignored", "dangling", "bad_selection", "whole_document",
                  "source_not_read")
OFFSET_CHOICES = ("auto", "codepoints", "utf16", "codepoints-crlf1", "utf16-crlf1")
_CONFIDENCE = re.compile(r"\(confidence ([01](?:\.\d{1,4})?)\)")
_OUR_ID = re.compile(r":t\d{1,6}:u\d{1,4}$")
_SOURCE_KINDS = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}


@dataclass
class ImportSummary:
    """What an import read and what became of it; ``codings`` buckets add up to codings_read."""

    path: str
    offsets: str = "codepoints"
    origin: str | None = None
    documents: int = 0
    sources_read: int = 0
    selections_read: int = 0
    codings_read: int = 0
    annotations: int = 0
    codings: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)  # code path -> codings
    users: dict[str, str] = field(default_factory=dict)  # user name -> "human" | "model"
    skipped_sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["codings"] = {b: self.codings.get(b, 0) for b in CODING_BUCKETS}
        data["unmapped"] = dict(self.unmapped.most_common())
        return data


@dataclass
class _Selection:
    guid: str
    name: str
    start: str | None
    end: str | None
    user: str | None
    codings: list[tuple[str | None, str | None]]  # (creating user, code guid)
    description: str = ""


@dataclass
class _Source:
    guid: str
    name: str
    path: str | None
    content: str | None
    rich_path: str | None
    selections: list[_Selection]
    document_codings: int
    variables: dict[str, str]  # variable guid -> text value


@dataclass
class _Parsed:
    origin: str | None = None
    description: str = ""
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: dict[str, list[str]] = field(default_factory=dict)  # guid -> path of names
    variables: dict[str, str] = field(default_factory=dict)  # guid -> name
    sources: list[_Source] = field(default_factory=list)
    other_sources: list[str] = field(default_factory=list)


def read_qdpx(
    path: str | Path,
    *,
    mapping: str | Path | CodeMapper | None = None,
    codebook: Codebook | None = None,
    offsets: str = "auto",
    include_model: bool = False,
    limits: ZipLimits = DEFAULT_LIMITS,
) -> tuple[Project, ImportSummary]:
    """Read a .qdpx file into a Project of documents and annotations, and a summary."""
    path = Path(path)
    if offsets not in OFFSET_CHOICES:
        raise CombcoderError(f"unknown offsets {offsets!r}; expected one of {', '.join(OFFSET_CHOICES)}")
    codebook = codebook or load_codebook()
    mapper = mapping if isinstance(mapping, CodeMapper) else load_mapping(mapping, codebook)
    archive = SafeZip(path, limits)
    qde = archive.find("project.qde")
    if qde is None:
        candidates = [n for n in archive.names() if n.lower().endswith(".qde") and "/" not in n]
        if len(candidates) != 1:
            raise InputError(path, "no project.qde in the archive", hint="is this a REFI-QDA .qdpx file?")
        qde = candidates[0]
    parsed = _parse(path, archive.read(qde))
    return _build(path, archive, parsed, mapper, offsets, include_model)


def import_qdpx(path: str | Path, out_dir: str | Path, **options) -> ImportSummary:
    """Import a .qdpx into ``out_dir``: documents.jsonl, annotations.jsonl, texts/, summary.json."""
    project, summary = read_qdpx(path, **options)
    out = Path(out_dir)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    for document in project.documents:
        (out / "texts" / f"{document.id}.txt").write_text(document.text, encoding="utf-8", newline="\n")
    write_jsonl(out / "documents.jsonl", (document_to_dict(d) for d in project.documents))
    write_jsonl(out / "annotations.jsonl", (a.to_dict() for a in project.annotations))
    (out / "import_summary.json").write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False),
                                             encoding="utf-8")
    return summary


# --- parsing ---------------------------------------------------------------------------


def _parse(path: Path, xml: bytes) -> _Parsed:
    """Stream project.qde through defusedxml's SAX parser: no tree is built, memory stays flat."""
    handler = _Reader(path)
    try:
        defused_sax.parseString(xml, handler, forbid_dtd=True)
    except SAXParseException as exc:
        raise InputError(path, f"project.qde is not well-formed XML: {exc.getMessage()} "
                         f"(line {exc.getLineNumber()}, column {exc.getColumnNumber()})") from None
    except DefusedXmlException as exc:
        raise InputError(path, f"project.qde: refusing unsafe XML ({type(exc).__name__}: {exc})",
                         hint="a project file never needs a DTD or entities") from None
    return handler.parsed


# Elements whose attributes are needed when they end, and elements whose text is needed.
_KEEP_ATTRIBUTES = frozenset({"User", "Code", "Variable", "PDFSource", "PictureSource", "AudioSource", "VideoSource"})
_TEXT = frozenset({"Description", "PlainTextContent", "TextValue", "BooleanValue", "IntegerValue", "FloatValue",
                   "DateValue", "DateTimeValue"})


class _Reader(ContentHandler):
    """Turn SAX events into users, code paths, variables and sources."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.parsed = _Parsed()
        self.elements = 0
        self.stack: list[tuple[str, dict | None]] = []
        self.text: list[str] | None = None
        self.code_path: list[str] = []
        self.source: _Source | None = None
        self.selection: _Selection | None = None
        self.coding_user: str | None = None
        self.coding_ref: str | None = None
        self.variable_ref: str | None = None
        self.variable_value: str | None = None

    def startElement(self, name: str, attrs) -> None:  # noqa: N802 (SAX's name)
        tag = name.rsplit(":", 1)[-1]
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise InputError(self.path, f"project.qde has more than {MAX_ELEMENTS:,} elements; refusing it")
        if len(self.stack) >= MAX_DEPTH:
            raise InputError(self.path, f"project.qde nests elements more than {MAX_DEPTH} deep; refusing it")
        if not self.stack and tag != "Project":
            raise InputError(self.path, f"project.qde: root element is {tag!r}, expected 'Project'",
                             hint="is this a REFI-QDA .qdpx file?")
        parent = self.stack[-1][0] if self.stack else None
        self.stack.append((tag, dict(attrs) if tag in _KEEP_ATTRIBUTES else None))
        self.text = [] if tag in _TEXT else None
        if tag == "Project":
            self.parsed.origin = attrs.get("origin")
        elif tag == "Code":
            self.code_path.append(attrs.get("name") or "")
        elif tag == "TextSource" and parent == "Sources":
            self.source = _Source(attrs.get("guid", ""), attrs.get("name") or "", attrs.get("plainTextPath"),
                                  None, attrs.get("richTextPath"), [], 0, {})
        elif tag == "PlainTextSelection" and self.source is not None and parent == "TextSource":
            self.selection = _Selection(attrs.get("guid", ""), attrs.get("name") or "", attrs.get("startPosition"),
                                        attrs.get("endPosition"), attrs.get("creatingUser"), [])
        elif tag == "Coding":
            self.coding_user, self.coding_ref = attrs.get("creatingUser"), None
        elif tag == "CodeRef" and parent == "Coding":
            self.coding_ref = attrs.get("targetGUID")
        elif tag == "VariableValue":
            self.variable_ref = self.variable_value = None
        elif tag == "VariableRef" and parent == "VariableValue":
            self.variable_ref = attrs.get("targetGUID")

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.text.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        tag, attrs = self.stack.pop()
        parent = self.stack[-1][0] if self.stack else None
        text = "".join(self.text) if self.text is not None else ""
        self.text = None
        parsed = self.parsed
        if tag == "User" and parent == "Users":
            parsed.users[attrs.get("guid", "")] = attrs.get("name") or attrs.get("id") or "unnamed user"
        elif tag == "Code" and self.code_path:
            parsed.codes[attrs.get("guid", "")] = list(self.code_path)
            self.code_path.pop()
        elif tag == "Variable" and parent == "Variables":
            parsed.variables[attrs.get("guid", "")] = attrs.get("name", "")
        elif tag == "Description" and parent == "Project":
            parsed.description = text
        elif tag == "Description" and parent == "PlainTextSelection" and self.selection is not None:
            self.selection.description = text[:1000]
        elif tag == "Coding":
            if parent == "PlainTextSelection" and self.selection is not None:
                self.selection.codings.append((self.coding_user, self.coding_ref))
            elif parent == "TextSource" and self.source is not None:
                self.source.document_codings += 1
        elif tag in _TEXT and parent == "VariableValue":
            self.variable_value = text
        elif tag == "VariableValue" and parent == "TextSource" and self.source is not None:
            if self.variable_ref and self.variable_value is not None:
                self.source.variables[self.variable_ref] = self.variable_value
        elif tag == "PlainTextContent" and parent == "TextSource" and self.source is not None:
            self.source.content = text
        elif tag == "PlainTextSelection" and self.selection is not None and parent == "TextSource":
            self.source.selections.append(self.selection)
            self.selection = None
        elif tag == "TextSource" and parent == "Sources" and self.source is not None:
            parsed.sources.append(self.source)
            self.source = None
        elif tag in _SOURCE_KINDS and parent == "Sources":
            parsed.other_sources.append(f"{attrs.get('name') or attrs.get('guid')}: "
                                        f"{_SOURCE_KINDS[tag]} sources are not imported")


# --- building --------------------------------------------------------------------------


def _build(path: Path, archive: SafeZip, parsed: _Parsed, mapper: CodeMapper, offsets: str,
           include_model: bool) -> tuple[Project, ImportSummary]:
    summary = ImportSummary(str(path), origin=parsed.origin)
    summary.skipped_sources.extend(parsed.other_sources)
    texts: list[tuple[_Source, str]] = []
    for source in parsed.sources:
        summary.sources_read += 1
        text = _source_text(path, archive, source, summary)
        if text is not None:
            texts.append((source, text))
        else:
            _not_read(source, summary)
    unit, crlf_as_one = _choose_offsets(parsed, texts, offsets)
    summary.offsets = unit + ("-crlf1" if crlf_as_one else "")
    users = {guid: (name, _user_kind(guid, name)) for guid, name in parsed.users.items()}
    summary.users = {name: kind for name, kind in users.values()}
    documents: list[Document] = []
    annotations: list[Annotation] = []
    ids: set[str] = set()
    variable_names = {g: n.casefold() for g, n in parsed.variables.items()}
    for source, raw in texts:
        positions = PositionMap(raw, unit=unit, crlf_as_one=crlf_as_one)
        document = _document(source, positions.text, ids, variable_names)
        if not document.text.strip():
            summary.skipped_sources.append(f"{source.name or source.guid}: empty text")
            _not_read(source, summary)
            continue
        documents.append(document)
        summary.codings_read += source.document_codings
        summary.codings["whole_document"] += source.document_codings
        for selection in source.selections:
            summary.selections_read += 1
            summary.codings_read += len(selection.codings)
            annotations.extend(_annotations(selection, document, positions, parsed, users, mapper,
                                            include_model, summary))
        document.metadata["selections_read"] = len(source.selections)
        document.metadata.pop("_turn_starts", None)
    summary.documents = len(documents)
    summary.annotations = len(annotations)
    if parsed.sources == [] and not parsed.other_sources:
        summary.warnings.append("the project has no sources")
    name = Path(path).stem
    return Project(name, documents, annotations, summary.warnings), summary


def _not_read(source: _Source, summary: ImportSummary) -> None:
    codings = sum(len(s.codings) for s in source.selections) + source.document_codings
    summary.selections_read += len(source.selections)
    summary.codings_read += codings
    summary.codings["source_not_read"] += codings


def _source_text(path: Path, archive: SafeZip, source: _Source, summary: ImportSummary) -> str | None:
    label = source.name or source.guid
    if source.content is not None and not source.path:
        return source.content
    if not source.path:
        why = "only a rich-text version is in the project; export plain text" if source.rich_path \
            else "no text (neither plainTextPath nor PlainTextContent)"
        summary.skipped_sources.append(f"{label}: {why}")
        return None
    reference = source.path
    if reference.startswith("internal://"):
        name = "sources/" + reference[len("internal://"):]
    elif "://" in reference or reference.startswith(("/", "file:")):
        summary.skipped_sources.append(f"{label}: its text is outside the archive ({reference[:100]})")
        return None
    else:
        name = reference if reference.startswith("sources/") else f"sources/{reference}"
    if not is_safe_name(name):
        raise InputError(path, f"source {label!r} points outside the archive ({reference[:200]!r}); refusing it")
    entry = archive.find(name)
    if entry is None:
        summary.skipped_sources.append(f"{label}: {name} is missing from the archive")
        return None
    return _decode(path, archive.read(entry), name)


def _decode(path: Path, data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from ..ingest.decode import decode_bytes

        try:
            return decode_bytes(data, path)[0]
        except InputError as exc:
            raise InputError(path, f"{name}: {exc.reason}", hint=exc.hint) from None


def _choose_offsets(parsed: _Parsed, texts: list[tuple[_Source, str]], offsets: str) -> tuple[str, bool]:
    if offsets != "auto":
        unit, _, crlf = offsets.partition("-")
        return unit, crlf == "crlf1"
    if OFFSETS_NOTE in parsed.description:
        declared = parsed.description.split(OFFSETS_NOTE, 1)[1].split()[0].strip(".")
        if declared in UNITS:
            return declared, False
    candidates = [(u, c) for u in ("codepoints", "utf16") for c in (False, True)]
    scores: Counter = Counter()
    for source, raw in texts:
        has_crlf = "\r\n" in raw
        if not has_crlf and all(ord(ch) <= 0xFFFF for ch in raw):
            continue  # every convention agrees on this text
        maps = {cand: PositionMap(raw, unit=cand[0], crlf_as_one=cand[1]) for cand in candidates
                if has_crlf or not cand[1]}
        for selection in source.selections[:200]:
            expected = " ".join(selection.name.split())
            if len(expected) < 3:
                continue
            for cand, positions in maps.items():
                span = _span(selection, positions)
                if span and " ".join(positions.text[span[0]:span[1]].split())[:len(expected)] == expected[:200]:
                    scores[cand] += 1
    if scores:
        return max(candidates, key=lambda c: (scores[c], c == ("codepoints", False)))
    nvivo = "nvivo" in (parsed.origin or "").casefold()
    return ("utf16" if nvivo else "codepoints"), False


def _span(selection: _Selection, positions: PositionMap) -> tuple[int, int] | None:
    try:
        start, end = int(selection.start or ""), int(selection.end or "")
    except ValueError:
        return None
    if start > end:
        return None
    a, b = positions.to_normalised(start, "start"), positions.to_normalised(end, "end")
    if a is None or b is None or a >= b:
        return None
    return a, b


def _user_kind(guid: str, name: str) -> str:
    if name.startswith(MODEL_USER_PREFIX) or guid == user_guid("model", name):
        return "model"
    return "human"


def _document(source: _Source, text: str, ids: set[str], variables: dict[str, str]) -> Document:
    from ..ingest.speakers import load_speaker_config
    from ..ingest.text import segment

    doc_id = _unique(safe_id(source.name or source.guid), ids)
    segmented = segment(text, load_speaker_config()) if text.strip() else None
    values = {variables.get(g, ""): v for g, v in source.variables.items()}
    source_type = (values.get("source type") or "unknown").strip()
    if source_type not in ("focus_group", "interview", "diary", "unknown"):
        source_type = "unknown"
    return Document(
        id=doc_id, path=f"texts/{doc_id}.txt", text=text, turns=segmented.turns if segmented else [],
        group=(values.get("group") or None), source_type=source_type,
        metadata={"format": "qdpx", "source_name": source.name, "source_guid": source.guid,
                  "units_read": segmented.units if segmented else 0,
                  "warnings": segmented.warnings if segmented else []},
    )


def safe_id(name: str) -> str:
    """Return a document id that is safe as a file name: letters, digits, ``_ . -``."""
    stem = re.sub(r"\.(txt|docx?|rtf|pdf|odt)$", "", name.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"[^\w.-]+", "_", stem, flags=re.ASCII).strip("._-")[:80]
    return cleaned or "source"


def _unique(doc_id: str, ids: set[str]) -> str:
    candidate, n = doc_id, 1
    while candidate in ids:
        n += 1
        candidate = f"{doc_id}_{n}"
    ids.add(candidate)
    return candidate


def _annotations(selection: _Selection, document: Document, positions: PositionMap, parsed: _Parsed,
                 users: dict[str, tuple[str, str]], mapper: CodeMapper, include_model: bool,
                 summary: ImportSummary) -> list[Annotation]:
    span = _span(selection, positions)
    label = selection.name[:60] or selection.guid
    if span is None:
        summary.codings["bad_selection"] += len(selection.codings)
        summary.warnings.append(f"{document.id}: selection {label!r} at {selection.start}-{selection.end} "
                                f"is outside the text or empty ({summary.offsets} offsets); not imported")
        return []
    start, end = span
    by_user: dict[str | None, list[str | None]] = defaultdict(list)
    for user, code in selection.codings:
        by_user[user or selection.user].append(code)
    found = []
    for user, code_guids in by_user.items():
        name, kind = users.get(user or "", (user or "unknown coder", "human"))
        if kind == "model" and not include_model:
            summary.codings["model"] += len(code_guids)
            continue
        domains: list[str] = []
        polarities: list[str] = []
        names: list[str] = []
        for guid in code_guids:
            path = parsed.codes.get(guid or "")
            if path is None:
                summary.codings["dangling"] += 1
                continue
            target = mapper.resolve(path)
            if target is None:
                summary.codings["unmapped"] += 1
                summary.unmapped["/".join(path)] += 1
                continue
            if target.ignore:
                summary.codings["ignored"] += 1
                continue
            summary.codings["imported"] += 1
            names.append("/".join(path))
            if target.domain and target.domain not in domains:
                domains.append(target.domain)
            if target.polarity and target.polarity not in polarities:
                polarities.append(target.polarity)
        if not domains and not polarities:
            continue
        if len(polarities) > 1:
            summary.warnings.append(f"{document.id}: {name} gave selection {label!r} several polarities "
                                    f"({', '.join(polarities)}); polarity left empty")
        polarity = polarities[0] if len(polarities) == 1 else None
        if len(domains) > 1:
            summary.warnings.append(f"{document.id}: {name} gave selection {label!r} {len(domains)} domains; "
                                    "one annotation each")
        scores = [float(x) for x in _CONFIDENCE.findall(selection.description)] if kind == "model" else []
        base = selection.name if _OUR_ID.search(selection.name) and selection.name.startswith(f"{document.id}:") \
            else f"{document.id}:{start}-{end}"
        for k, domain in enumerate(domains or [None]):
            found.append(Annotation(
                id=base if k == 0 else f"{base}#{k + 1}", doc_id=document.id, start=start, end=end,
                text=document.text[start:end], domain=domain, polarity=polarity,
                coder=name.removeprefix(f"{MODEL_USER_PREFIX} ") if kind == "model" else name,
                coder_kind=kind, speaker=_speaker(document, start), codes=names,
                domain_score=scores[0] if scores and domain else None,
                polarity_score=scores[-1] if len(scores) == 2 else None,
            ))
    return found


def _speaker(document: Document, position: int) -> str | None:
    starts = document.metadata.setdefault("_turn_starts", [t.start for t in document.turns])
    index = bisect.bisect_right(starts, position) - 1
    if index >= 0 and position < document.turns[index].end:
        return document.turns[index].speaker
    return None


