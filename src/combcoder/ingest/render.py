"""What readers return, and the rendering of cues and rows as "Name: text" blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from combcoder.ingest.decode import normalise
from combcoder.ingest.speakers import SpeakerConfig
from combcoder.records import Role, Turn


@dataclass
class Parsed:
    """What a reader returns: the document text, its turns and the reader's metadata."""

    text: str
    turns: list[Turn]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Unit:
    """One spoken unit read from a cue or row, before rendering."""

    speaker: str | None
    text: str
    line: int
    time_start: float | None = None
    time_end: float | None = None
    role: Role | None = None  # None: derive from the speaker name


def clean_content(text: str) -> str:
    """Return content normalised like file text (LF, NFC) and stripped."""
    return normalise(text).strip()


def clean_speaker(name: object) -> str | None:
    """Return a speaker name on one line, or None when blank."""
    if name is None:
        return None
    name = " ".join(normalise(str(name)).split())
    return name or None


def render_units(units: Iterable[Unit], speakers: SpeakerConfig) -> tuple[str, list[Turn]]:
    """Render units as "Name: text" blocks joined by blank lines; turns cover the text part.

    Units without text are skipped; callers warn about them.
    """
    parts: list[str] = []
    turns: list[Turn] = []
    position = 0
    for unit in units:
        content = clean_content(unit.text)
        if not content:
            continue
        if parts:
            parts.append("\n\n")
            position += 2
        prefix = f"{unit.speaker}: " if unit.speaker else ""
        parts.append(prefix + content)
        start = position + len(prefix)
        position = start + len(content)
        turns.append(
            Turn(
                index=len(turns),
                speaker=unit.speaker,
                role=unit.role or speakers.role(unit.speaker),
                start=start,
                end=position,
                line=unit.line,
                time_start=unit.time_start,
                time_end=unit.time_end,
            )
        )
    return "".join(parts), turns
