"""Read plain-text and Markdown transcripts, and split any labelled text into turns."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from combcoder.ingest.decode import read_text
from combcoder.ingest.render import Parsed
from combcoder.ingest.speakers import Label, SpeakerConfig, normalise_name
from combcoder.records import Turn

NO_LABEL_MIN_LINES = 3  # warn about missing labels only for files with at least this many lines
NO_LABEL_WARNING = "no speaker label matched; check configs/speakers.yaml"
_MARKDOWN_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")


def read_txt(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a .txt transcript: the normalised file text, split into turns at speaker labels."""
    return _read(path, speakers, markdown=False)


def read_md(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a .md transcript like .txt; headings become their own unknown-speaker turns."""
    return _read(path, speakers, markdown=True)


def _read(path: Path, speakers: SpeakerConfig, *, markdown: bool) -> Parsed:
    decoded = read_text(path)
    segmented = segment(decoded.text, speakers, markdown=markdown)
    metadata = {
        "format": "md" if markdown else "txt",
        "encoding": decoded.encoding,
        "units_read": segmented.units,
        "warnings": _encoding_warnings(decoded.encoding) + segmented.warnings,
    }
    return Parsed(decoded.text, segmented.turns, metadata)


def _encoding_warnings(encoding: str) -> list[str]:
    if encoding == "cp1252":
        return ["not UTF-8: read as Windows-1252; check accented characters"]
    return []


@dataclass
class Segmented:
    """Turns found in a text, warnings about it, and the number of units read."""

    turns: list[Turn]
    warnings: list[str]
    units: int


def segment(
    text: str,
    speakers: SpeakerConfig,
    *,
    markdown: bool = False,
    line_numbers: list[int] | None = None,
    preset_labels: dict[int, Label] | None = None,
    headings: set[int] | None = None,
) -> Segmented:
    """Split text into turns at speaker labels and blank lines.

    A label starts a turn that runs to the next label or blank line. A paragraph without a
    label continues the previous speaker as a new turn; before any label its speaker is None.
    ``line_numbers`` maps each line index to the number reported in Turn.line (default: index
    + 1); ``preset_labels`` and ``headings`` (line indices) come from formatting, e.g. docx.
    """
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    numbers = line_numbers or list(range(1, len(lines) + 1))
    headings = set(headings or ())
    if markdown:
        headings |= {i for i, line in enumerate(lines) if _MARKDOWN_HEADING.match(line)}
    markup = " \t#" if markdown else " \t"
    labels = _find_labels(lines, speakers, preset_labels or {}, headings)
    builder = _TurnBuilder(text, speakers)
    for i, line in enumerate(lines):
        if i in headings:
            builder.close()
            content_start = starts[i] + len(line) - len(line.lstrip(markup))
            builder.open(None, content_start, numbers[i], heading=True)
            builder.extend(starts[i] + len(line))
            builder.close()
        elif not line.strip():
            builder.close()
        elif i in labels:
            builder.close()
            builder.open(labels[i], starts[i] + labels[i].end, numbers[i])
            builder.extend(starts[i] + len(line))
        else:
            if builder.current is None:
                builder.open(None, starts[i], numbers[i])
            builder.extend(starts[i] + len(line))
    builder.close()
    builder.flush_pending()
    warnings = builder.warnings
    content_lines = sum(1 for line in lines if line.strip())
    if not labels and content_lines >= NO_LABEL_MIN_LINES:
        warnings.append(NO_LABEL_WARNING)
    return Segmented(builder.turns, warnings, builder.units)


def _find_labels(
    lines: list[str], speakers: SpeakerConfig, preset: dict[int, Label], headings: set[int]
) -> dict[int, Label]:
    found: dict[int, Label] = {}
    for i, line in enumerate(lines):
        if i in headings:
            continue
        label = speakers.match_label(line) or preset.get(i)
        if label is not None:
            found[i] = label
    # A weak label counts only for a speaker labelled twice, or for an interviewer.
    counts = Counter(normalise_name(label.speaker) for label in found.values())
    return {
        i: label
        for i, label in found.items()
        if not label.weak
        or counts[normalise_name(label.speaker)] >= 2
        or speakers.role(label.speaker) == "interviewer"
    }


@dataclass
class _Block:
    speaker: str | None
    start: int
    end: int
    line: int
    time: float | None
    labelled: bool


class _TurnBuilder:
    """Collect turns while walking lines; remember a label whose text is still to come."""

    def __init__(self, text: str, speakers: SpeakerConfig):
        self.text = text
        self.speakers = speakers
        self.turns: list[Turn] = []
        self.warnings: list[str] = []
        self.units = 0
        self.current: _Block | None = None
        self.speaker: str | None = None  # the speaker an unlabelled paragraph continues
        self.pending: tuple[str, int] | None = None  # a label with no text yet: (speaker, line)

    def open(self, label: Label | None, start: int, line: int, *, heading: bool = False) -> None:
        if label is not None or heading:
            self.flush_pending()
            self.speaker = label.speaker if label else None
        else:
            self.pending = None  # this paragraph carries the pending label's text
        self.units += 1
        time = label.time if label else None
        self.current = _Block(self.speaker, start, start, line, time, label is not None)

    def extend(self, end: int) -> None:
        self.current.end = max(end, self.current.start)

    def close(self) -> None:
        block, self.current = self.current, None
        if block is None:
            return
        start, end = block.start, block.end
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start == end:
            if block.labelled:
                self.units -= 1  # counted with the paragraph that carries its text
                self.pending = (block.speaker, block.line)
            return
        self.turns.append(
            Turn(
                index=len(self.turns),
                speaker=block.speaker,
                role=self.speakers.role(block.speaker),
                start=start,
                end=end,
                line=block.line,
                time_start=block.time,
            )
        )

    def flush_pending(self) -> None:
        if self.pending is not None:
            speaker, line = self.pending
            self.warnings.append(f"line {line}: speaker label {speaker!r} has no text")
            self.units += 1
            self.pending = None
