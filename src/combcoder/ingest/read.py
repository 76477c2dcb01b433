"""Read one transcript file into a Document, choosing the reader by file extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from combcoder.errors import InputError
from combcoder.ingest.docx import read_docx
from combcoder.ingest.render import Parsed
from combcoder.ingest.speakers import SpeakerConfig, load_speaker_config
from combcoder.ingest.subtitles import read_srt, read_vtt
from combcoder.ingest.table import read_csv, read_jsonl
from combcoder.ingest.text import read_md, read_txt
from combcoder.records import Document, SourceType

Reader = Callable[[Path, SpeakerConfig], Parsed]
READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_md,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".csv": read_csv,
    ".jsonl": read_jsonl,
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(READERS)
SOURCE_TYPES: tuple[str, ...] = ("focus_group", "interview", "diary", "unknown")
# Keys the readers own; a caller's metadata cannot override them.
READER_KEYS = ("format", "encoding", "units_read", "paragraphs", "warnings")


def read_document(
    path: str | Path,
    *,
    doc_id: str | None = None,
    group: str | None = None,
    source_type: str | None = None,
    metadata: dict[str, Any] | None = None,
    speakers: SpeakerConfig | None = None,
) -> Document:
    """Read a transcript (.txt .md .docx .vtt .srt .csv .jsonl) into a Document."""
    path = Path(path)
    reader = reader_for(path)
    if not path.is_file():
        raise InputError(path, "file not found" if not path.exists() else "not a file")
    try:
        kind = normalise_source_type(source_type)
    except ValueError as exc:
        raise InputError(path, str(exc), where="source_type") from None
    doc_id = path.stem if doc_id is None else str(doc_id).strip()
    if not doc_id:
        raise InputError(path, "document id is empty", hint="give a non-empty id")
    parsed = reader(path, speakers or load_speaker_config())
    merged = {k: v for k, v in (metadata or {}).items() if k not in READER_KEYS}
    merged.update(parsed.metadata)
    return Document(
        id=doc_id,
        path=str(path),
        text=parsed.text,
        turns=parsed.turns,
        group=group,
        source_type=kind,
        metadata=merged,
    )


def reader_for(path: Path) -> Reader:
    """Return the reader for a path's extension; raise InputError listing the supported ones."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(
            path,
            f"unsupported file type {path.suffix or '(no extension)'!r}",
            hint=f"supported: {' '.join(SUPPORTED_EXTENSIONS)}",
        )
    return reader


def normalise_source_type(value: str | None) -> SourceType:
    """Return a source type from e.g. "Focus group", "focus-group"; None means "unknown"."""
    if value is None or not str(value).strip():
        return "unknown"
    key = "_".join(str(value).strip().casefold().replace("-", " ").split())
    key = {"focusgroup": "focus_group", "fg": "focus_group"}.get(key, key)
    if key not in SOURCE_TYPES:
        expected = ", ".join(SOURCE_TYPES)
        raise ValueError(f"unknown source_type {value!r}; expected one of {expected}")
    return key  # type: ignore[return-value]
