"""Write REFI-QDA files: a project (.qdpx) and a codebook (.qdc).

A .qdpx is a zip with ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``) and
``sources/<guid>.txt``: each transcript's text as UTF-8 without a BOM, LF line endings,
exactly ``Document.text``. Each annotation is a ``PlainTextSelection`` with a ``Coding`` for
its sub-domain and one for its polarity, created by the annotation's coder as a ``User``:
the model is a user of its own ("combcoder model <version>"), so the QDA program can tell
its codings from people's. The model's confidence is in the selection's description.
Speakers and groups are cases with variables (Speaker, Role, Group, Source type).
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

from .. import __version__ as _version
from ..codebook import Codebook, load_codebook
from ..errors import CombcoderError
from .codes import Code, code_tree, codes_by_key, make_guid
from .offsets import Unit, UnitCounter, check_unit
from .project import Annotation, Project

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"combcoder {_version}"
MODEL_USER_PREFIX = "combcoder model"
OFFSETS_NOTE = "combcoder-offsets: "  # in the project description, so an import knows the unit
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same project gives the same bytes
# Characters XML 1.0 cannot hold at all; they are dropped from names and descriptions.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class ExportSummary:
    """What an export wrote."""

    path: str
    format: str
    documents: int = 0
    codes: int = 0
    selections: int = 0
    codings: int = 0
    users: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # annotations not exported, and why
    warnings: list[str] = field(default_factory=list)


def model_user_name(coder: str) -> str:
    """Return the QDA user name for a model coder (its version)."""
    return coder if coder.startswith(MODEL_USER_PREFIX) else f"{MODEL_USER_PREFIX} {coder}"


def user_guid(annotation_kind: str, coder: str) -> str:
    return make_guid("user", annotation_kind, coder)


def write_qdpx(
    project: Project,
    out: str | Path,
    *,
    codebook: Codebook | None = None,
    offsets: str = "codepoints",
    created: datetime | None = None,
) -> ExportSummary:
    """Write ``project`` as a REFI-QDA project file; offsets count ``offsets`` units."""
    unit = _check(project, offsets)
    codebook = codebook or load_codebook()
    return _write_qdpx(project, Path(out), codebook, unit, created or datetime.now(timezone.utc))


def write_qdc(out: str | Path, *, codebook: Codebook | None = None) -> ExportSummary:
    """Write the codebook alone as a REFI-QDA codebook file (.qdc)."""
    codebook = codebook or load_codebook()
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN})
    _codes_element(root, code_tree(codebook), CODEBOOK_NS)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    Path(out).write_bytes(data)
    count = sum(1 for top in code_tree(codebook) for _ in top.walk())
    return ExportSummary(str(out), "qdc", codes=count)


def _check(project: Project, offsets: str) -> Unit:
    try:
        unit = check_unit(offsets)
    except ValueError as exc:
        raise CombcoderError(str(exc)) from None
    if not project.documents:
        raise CombcoderError("nothing to export: the project has no documents")
    ids = [d.id for d in project.documents]
    if len(set(ids)) != len(ids):
        raise CombcoderError("two documents share an id; document ids must be unique")
    return unit


def _write_qdpx(project: Project, out: Path, codebook: Codebook, unit: Unit,
                created: datetime) -> ExportSummary:
    ET.register_namespace("", NS)
    stamp = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = ExportSummary(str(out), "qdpx")
    tree = code_tree(codebook)
    codes = codes_by_key(tree)
    summary.codes = len(codes)
    annotations = project.annotations_by_document()
    users = _users(project.annotations)
    summary.users = [name for name, _ in users.values()]

    root = ET.Element(_q("Project"), {"name": _safe(project.name) or "combcoder", "origin": ORIGIN,
                                      "creationDateTime": stamp})
    users_element = ET.SubElement(root, _q("Users"))
    for guid, (name, kind) in users.items():
        ET.SubElement(users_element, _q("User"), {"guid": guid, "name": _safe(name), "id": kind})
    codebook_element = ET.SubElement(root, _q("CodeBook"))
    _codes_element(codebook_element, tree, NS)
    variables = _variables(root)

    sources_element = ET.Element(_q("Sources"))
    texts: dict[str, str] = {}
    selections_by_case: dict[str, list[str]] = defaultdict(list)
    for document in project.documents:
        guid = make_guid("source", project.name, document.id)
        texts[f"sources/{guid}.txt"] = document.text
        source = ET.SubElement(sources_element, _q("TextSource"), {
            "guid": guid, "name": _safe(document.id), "plainTextPath": f"internal://{guid}.txt",
            "creationDateTime": stamp})
        _text(source, "Description", _document_description(document))
        counter = UnitCounter(document.text)
        for annotation in annotations.get(document.id, []):
            selection = _selection(source, annotation, document.text, counter, unit, codes, users,
                                   stamp, summary)
            if selection is not None and annotation.speaker:
                selections_by_case[_speaker_key(document.id, annotation.speaker)].append(selection)
        _variable_value(source, variables["Group"], document.group)
        _variable_value(source, variables["Source type"], document.source_type)
        summary.documents += 1
    _cases(root, project, variables, selections_by_case)
    root.append(sources_element)
    _text(root, "Description", f"Exported by {ORIGIN} with codebook {codebook.name} "
          f"{codebook.version}. {OFFSETS_NOTE}{unit}")

    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "project.qde", xml)
        for name, text in texts.items():
            _add(archive, name, text.encode("utf-8"))  # Document.text is already LF and NFC
    return summary


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def _safe(value: object) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _text(parent: ET.Element, tag: str, value: str, ns: str = NS) -> ET.Element:
    element = ET.SubElement(parent, _q(tag, ns))
    element.text = _safe(value)
    return element


def _codes_element(parent: ET.Element, tree: list[Code], ns: str) -> None:
    codes = ET.SubElement(parent, _q("Codes", ns))
    stack = [(codes, code) for code in reversed(tree)]
    while stack:  # depth-first, in order, without recursion
        holder, code = stack.pop()
        attributes = {"guid": code.guid, "name": code.name, "isCodable": "true" if code.codable else "false"}
        if code.colour:
            attributes["color"] = code.colour
        element = ET.SubElement(holder, _q("Code", ns), attributes)
        _text(element, "Description", code.description, ns)
        stack.extend((element, child) for child in reversed(code.children))


def _users(annotations: list[Annotation]) -> dict[str, tuple[str, str]]:
    users: dict[str, tuple[str, str]] = {}
    for annotation in annotations:
        if annotation.coder_kind == "model":
            name = model_user_name(annotation.coder)
        else:
            name = annotation.coder
        users.setdefault(user_guid(annotation.coder_kind, name), (name, annotation.coder_kind))
    return users


def _variables(root: ET.Element) -> dict[str, str]:
    element = ET.SubElement(root, _q("Variables"))
    guids = {}
    for name, description in (
        ("Group", "Stakeholder group of the transcript or speaker, e.g. patients"),
        ("Source type", "focus_group, interview, diary or unknown"),
        ("Speaker", "Speaker label as in the transcript"),
        ("Role", "participant, interviewer or unknown"),
        ("Document", "The transcript the speaker speaks in"),
    ):
        guid = make_guid("variable", name)
        variable = ET.SubElement(element, _q("Variable"), {"guid": guid, "name": name, "typeOfVariable": "Text"})
        _text(variable, "Description", description)
        guids[name] = guid
    return guids


def _variable_value(parent: ET.Element, variable: str, value: object) -> None:
    if value is None or value == "":
        return
    element = ET.SubElement(parent, _q("VariableValue"))
    ET.SubElement(element, _q("VariableRef"), {"targetGUID": variable})
    _text(element, "TextValue", str(value))


def _speaker_key(doc_id: str, speaker: str) -> str:
    return f"{doc_id}\x1f{speaker}"


def _cases(root: ET.Element, project: Project, variables: dict[str, str],
           selections: dict[str, list[str]]) -> None:
    cases = ET.Element(_q("Cases"))
    groups: dict[str, list[str]] = defaultdict(list)
    for document in project.documents:
        source_guid = make_guid("source", project.name, document.id)
        if document.group:
            groups[document.group].append(source_guid)
        roles: dict[str, str] = {}
        for turn in document.turns:
            if turn.speaker:
                roles.setdefault(turn.speaker, turn.role)
        for speaker, role in roles.items():
            case = ET.SubElement(cases, _q("Case"), {
                "guid": make_guid("case", project.name, document.id, speaker),
                "name": _safe(f"{speaker} ({document.id})")})
            for name, value in (("Speaker", speaker), ("Role", role), ("Group", document.group),
                                ("Document", document.id)):
                _variable_value(case, variables[name], value)
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": source_guid})
            for selection in selections.get(_speaker_key(document.id, speaker), []):
                ET.SubElement(case, _q("SelectionRef"), {"targetGUID": selection})
    for group, sources in groups.items():
        case = ET.SubElement(cases, _q("Case"), {"guid": make_guid("group-case", group),
                                                 "name": _safe(f"Group: {group}")})
        _variable_value(case, variables["Group"], group)
        for source in sources:
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": source})
    if len(cases):
        root.append(cases)


def _document_description(document) -> str:
    parts = [f"Transcript {document.id}"]
    if document.group:
        parts.append(f"group: {document.group}")
    if document.source_type and document.source_type != "unknown":
        parts.append(f"source type: {document.source_type}")
    parts.append(f"{len(document.turns)} turns")
    return "; ".join(parts)


def _selection(source: ET.Element, annotation: Annotation, text: str, counter: UnitCounter, unit: Unit,
               codes: dict[str, Code], users: dict[str, tuple[str, str]], stamp: str,
               summary: ExportSummary) -> str | None:
    if not 0 <= annotation.start <= annotation.end <= len(text):
        summary.skipped.append(f"{annotation.id}: offsets {annotation.start}-{annotation.end} outside "
                               f"document {annotation.doc_id!r}")
        return None
    keys = [k for k in (annotation.domain, annotation.polarity) if k]
    unknown = [k for k in keys if k not in codes or codes[k].kind not in ("domain", "polarity")]
    if unknown or not keys:
        summary.skipped.append(f"{annotation.id}: no code in the codebook for {unknown or 'an empty coding'}")
        return None
    name = model_user_name(annotation.coder) if annotation.coder_kind == "model" else annotation.coder
    user = user_guid(annotation.coder_kind, name)
    guid = make_guid("selection", annotation.doc_id, annotation.id, annotation.coder_kind, annotation.coder)
    selection = ET.SubElement(source, _q("PlainTextSelection"), {
        "guid": guid, "name": _safe(annotation.id),
        "startPosition": str(counter.to_unit(annotation.start, unit)),
        "endPosition": str(counter.to_unit(annotation.end, unit)),
        "creatingUser": user, "creationDateTime": stamp})
    _text(selection, "Description", _selection_description(annotation, codes))
    for key in keys:
        coding = ET.SubElement(selection, _q("Coding"), {
            "guid": make_guid("coding", guid, key), "creatingUser": user, "creationDateTime": stamp})
        ET.SubElement(coding, _q("CodeRef"), {"targetGUID": codes[key].guid})
        summary.codings += 1
    summary.selections += 1
    return guid


def _selection_description(annotation: Annotation, codes: dict[str, Code]) -> str:
    def label(key: str | None) -> str:
        return codes[key].name if key in codes else str(key)

    if annotation.coder_kind != "model":
        coded = ", ".join(label(k) for k in (annotation.domain, annotation.polarity) if k)
        note = f" Note: {annotation.note}" if annotation.note else ""
        return f"Coded by {annotation.coder}: {coded}.{note} [combcoder id {annotation.id}]"
    parts = [f"Suggested by {model_user_name(annotation.coder)}: {label(annotation.domain)}"]
    if annotation.domain_score is not None:
        parts[-1] += f" (confidence {annotation.domain_score:.2f})"
    if annotation.polarity:
        polarity = label(annotation.polarity)
        if annotation.polarity_score is not None:
            polarity += f" (confidence {annotation.polarity_score:.2f})"
        parts.append(polarity)
    runners = [s for s in (annotation.suggestions or [])[1:3] if isinstance(s, dict)]
    if runners:
        parts.append("next: " + ", ".join(
            f"{label(s.get('domain'))} {float(s.get('score') or 0):.2f}" for s in runners))
    return "; ".join(parts) + f". [combcoder id {annotation.id}]"
