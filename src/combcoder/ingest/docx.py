"""Read Word (.docx) transcripts: paragraphs and table cells in reading order.

The package is checked before python-docx opens it: a zip archive within size limits
(no zip bombs) whose ``word/document.xml`` parses with defusedxml. Paragraph text is the
accepted view of the document: tracked insertions are read, deletions are not.
"""

from __future__ import annotations

import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from combcoder.errors import InputError
from combcoder.ingest.decode import check_size
from combcoder.ingest.render import Parsed
from combcoder.ingest.speakers import Label, SpeakerConfig
from combcoder.ingest.text import segment

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all parts together
MAX_COMPRESSION_RATIO = 200  # for any part larger than RATIO_CHECK_BYTES
RATIO_CHECK_BYTES = 1024 * 1024
MAX_ENTRIES = 10_000
DOCUMENT_PART = "word/document.xml"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DELETED = (f"{_W}del", f"{_W}moveFrom")


def read_docx(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a .docx transcript; Document.text is its paragraphs joined by blank lines."""
    check_size(path)
    _check_package(path)
    document = _open(path)
    lines: list[str] = []  # lines of Document.text
    numbers: list[int] = []  # the paragraph number of each line
    preset: dict[int, Label] = {}
    headings: set[int] = set()
    units = paragraphs = read_chars = 0
    for paragraphs, (p, row_label) in enumerate(_paragraphs(document.element.body), 1):
        paragraph = _paragraph_object(p, document)
        runs = [(run.text, run.bold) for run in _runs(p, paragraph)]
        raw = "".join(text for text, _ in runs)
        read_chars += _visible(raw)
        text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
        if not text.strip():
            continue
        units += 1
        if lines:
            lines.append("")
            numbers.append(paragraphs)
        first = len(lines)
        lines.extend(text.split("\n"))
        numbers.extend([paragraphs] * (len(lines) - first))
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.startswith("Heading") or style == "Title":
            headings.update(range(first, len(lines)))
        elif row_label and speakers.accepts_name(row_label):
            preset[first] = Label(row_label, len(lines[first]), weak=True)
        else:
            label = _bold_label(runs, lines[first], speakers)
            if label is not None:
                preset[first] = label
    if not lines:
        raise InputError(path, "empty file", hint="the document has no text")
    text = "\n".join(lines)
    found = segment(text, speakers, line_numbers=numbers, preset_labels=preset, headings=headings)
    in_xml = sum(_visible(t.text or "") for t in document.element.body.iter(f"{_W}t"))
    if in_xml > read_chars:
        found.warnings.append(
            f"{in_xml - read_chars} characters in text boxes or other objects were not read"
        )
    metadata = {
        "format": "docx",
        "units_read": units,
        "paragraphs": paragraphs,
        "warnings": found.warnings,
    }
    return Parsed(text, found.turns, metadata)


def _check_package(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise InputError(path, f"a .docx with {len(entries)} parts is not plausible")
            for entry in entries:
                ratio = entry.file_size / max(entry.compress_size, 1)
                if entry.file_size > RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
                    raise InputError(
                        path, f"part {entry.filename} expands {ratio:.0f}-fold; refusing a zip bomb"
                    )
            total = sum(entry.file_size for entry in entries)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(
                    path,
                    f"unpacks to {total / 1e6:.0f} MB, over the "
                    f"{MAX_UNCOMPRESSED_BYTES / 1e6:.0f} MB limit for a .docx",
                )
            if DOCUMENT_PART not in archive.namelist():
                raise InputError(path, f"not a Word document: no {DOCUMENT_PART} inside")
            xml = archive.read(DOCUMENT_PART)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            zlib.error) as exc:  # zlib.error: a damaged deflate stream inside the zip
        raise InputError(
            path,
            f"not a valid .docx (zip) file: {exc}",
            hint="save it from Word as .docx; .doc is not supported",
        ) from None
    try:
        root = fromstring(xml)
    except ParseError as exc:
        raise InputError(path, f"bad XML in {DOCUMENT_PART}: {exc}") from None
    except DefusedXmlException as exc:
        raise InputError(path, f"refusing unsafe XML in {DOCUMENT_PART}: {exc}") from None
    if root.tag != f"{_W}document" or root.find(f"{_W}body") is None:
        raise InputError(path, f"not a Word document: {DOCUMENT_PART} has no document body")


def _open(path: Path):
    import docx  # python-docx, imported here so the other readers start without it
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    try:
        return docx.Document(str(path))
    # python-docx reports a broken package part in many ways, AttributeError among them.
    except (OpcError, LxmlError, KeyError, ValueError, AttributeError, zipfile.BadZipFile, EOFError,
            zlib.error) as exc:
        raise InputError(path, f"cannot read .docx: {exc}") from None


def _paragraph_object(p, document):
    from docx.text.paragraph import Paragraph

    return Paragraph(p, document)


def _runs(p, paragraph):
    """Yield the runs of paragraph element ``p`` (in hyperlinks, fields, insertions too)."""
    from docx.text.run import Run

    for r in p.iter(f"{_W}r"):
        if _owner(r) is p:
            yield Run(r, paragraph)


def _owner(element):
    """Return the paragraph element holding ``element``; None inside deleted text."""
    parent = element.getparent()
    while parent is not None and parent.tag != f"{_W}p":
        if parent.tag in _DELETED:
            return None
        parent = parent.getparent()
    return parent


def _visible(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _paragraphs(container) -> Iterator[tuple[object, str | None]]:
    """Yield (paragraph element, row label or None) in reading order, tables included."""
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            yield child, None
        elif child.tag == f"{_W}sdt":  # content control around paragraphs or tables
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _paragraphs(content)
        elif child.tag == f"{_W}tbl":
            for row in child.iterchildren(f"{_W}tr"):
                cells = list(row.iterchildren(f"{_W}tc"))
                label = _row_label(cells)
                for i, cell in enumerate(cells):
                    for p, nested in _paragraphs(cell):
                        yield p, nested or (label if i == 0 else None)


def _row_label(cells) -> str | None:
    """Return the first cell's text if a table row reads "Speaker | what they said"."""
    if len(cells) < 2 or cells[0].find(f"{_W}tbl") is not None:
        return None
    first = cells[0].findall(f"{_W}p")
    texts = [_plain_text(p) for p in first]
    if len([t for t in texts if t.strip()]) != 1:
        return None
    if not any(_plain_text(p).strip() for cell in cells[1:] for p in cell.iter(f"{_W}p")):
        return None
    name = " ".join("".join(texts).split()).rstrip(":").rstrip()
    return name or None


def _plain_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{_W}t") if _owner(t) is p)


def _bold_label(
    runs: list[tuple[str, bool | None]], line: str, speakers: SpeakerConfig
) -> Label | None:
    """Return a label in bold at the paragraph start: "**Anna:** text" or "**Anna**: text"."""
    bold = ""
    for text, is_bold in runs:
        if is_bold is True or not (bold + text).strip():
            bold += text
        else:
            break
    if not bold.strip() or not line.startswith(bold):
        return None
    end = len(bold)
    rest = line[end:]
    if bold.rstrip().endswith(":"):
        name = bold.strip()[:-1]
    elif rest.lstrip(" ").startswith(":"):
        name = bold.strip()
        end += len(rest) - len(rest.lstrip(" ")) + 1
    elif rest.startswith("\t"):
        name = bold.strip()
    else:
        return None
    name = " ".join(name.split())
    return Label(name, end) if speakers.accepts_name(name) else None
