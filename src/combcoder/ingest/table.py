"""Read one-turn-per-row tables: .csv (comma, semicolon or tab) and .jsonl.

Column names are case-insensitive: speaker|name|participant, text|utterance|content|
transcript, optional start|start_time, end|end_time (seconds or hh:mm:ss(.mmm)) and role.
Turn.line is the file line where the row starts.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from combcoder.errors import InputError
from combcoder.ingest.decode import read_text
from combcoder.ingest.render import Parsed, Unit, clean_content, clean_speaker, render_units
from combcoder.ingest.speakers import SpeakerConfig
from combcoder.ingest.timecode import parse_time
from combcoder.records import Role

COLUMNS: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "name", "participant"),
    "text": ("text", "utterance", "content", "transcript"),
    "start": ("start", "start_time"),
    "end": ("end", "end_time"),
    "role": ("role",),
}
_DELIMITERS = ",;\t"


def read_csv(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a CSV with a header row; one row per turn."""
    decoded = read_text(path)
    header_line = decoded.text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(decoded.text), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        columns = _columns(path, header, "line 1")
        line = reader.line_num
        for row in reader:
            first, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if len(row) != len(header):
                raise InputError(
                    path,
                    f"expected {len(header)} columns, found {len(row)}",
                    where=f"line {first}",
                    hint=f"quote fields that contain {delimiter!r}",
                )
            rows.append((first, {key: row[i] for key, i in columns.items()}))
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV: {exc}", where=f"line {reader.line_num}") from None
    return _finish(path, rows, speakers, "csv", decoded.encoding)


def read_jsonl(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read JSON Lines: one object per line, one turn per object."""
    decoded = read_text(path)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(decoded.text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"invalid JSON: {exc.msg} (column {exc.colno})"
            raise InputError(path, message, where=where) from None
        except RecursionError:  # hostile input: arrays or objects nested thousands deep
            raise InputError(path, "JSON nested too deeply", where=where) from None
        if not isinstance(record, dict):
            found = type(record).__name__
            raise InputError(path, f"expected a JSON object, found {found}", where=where)
        keys = [str(k).strip() for k in record]
        columns = _columns(path, keys, where)
        values = list(record.values())
        rows.append((number, {key: values[i] for key, i in columns.items()}))
    return _finish(path, rows, speakers, "jsonl", decoded.encoding)


def _columns(path: Path, names: list[str], where: str) -> dict[str, int]:
    """Map each known column to its index; raise InputError when there is no text column."""
    lowered = [n.casefold() for n in names]
    found = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in lowered:
                found[key] = lowered.index(alias)
                break
    if "text" not in found:
        raise InputError(
            path,
            f"no text column: expected one of {', '.join(COLUMNS['text'])}; "
            f"found {', '.join(names) or 'none'}",
            where=where,
            hint="rename the column that holds what was said",
        )
    return found


def _finish(
    path: Path, rows: list[tuple[int, dict[str, Any]]], speakers: SpeakerConfig, fmt: str,
    encoding: str,
) -> Parsed:
    units, warnings = [], []
    for line, row in rows:
        unit = _unit(path, line, row, speakers)
        if not unit.text:
            warnings.append(f"line {line}: empty text")
        units.append(unit)
    text, turns = render_units(units, speakers)
    if not turns:
        raise InputError(path, "no row has any text", hint=f"read {len(rows)} rows")
    metadata = {"format": fmt, "encoding": encoding, "units_read": len(rows), "warnings": warnings}
    return Parsed(text, turns, metadata)


def _unit(path: Path, line: int, row: dict[str, Any], speakers: SpeakerConfig) -> Unit:
    where = f"line {line}"
    content = row["text"]
    if content is not None and not isinstance(content, (str, int, float)):
        found = type(content).__name__
        raise InputError(path, f"text must be a string, found {found}", where=where)
    times = []
    for key in ("start", "end"):
        try:
            times.append(parse_time(row.get(key)))
        except ValueError as exc:
            raise InputError(path, f"{key}: {exc}", where=where) from None
    speaker = clean_speaker(row.get("speaker"))
    role = _role(row.get("role"), speaker, speakers)
    text = clean_content("" if content is None else str(content))
    return Unit(speaker, text, line, times[0], times[1], role)


def _role(value: object, speaker: str | None, speakers: SpeakerConfig) -> Role:
    """Map a role cell: an interviewer name, "unknown", or anything else -> "participant"."""
    name = clean_speaker(value)
    if name is None:
        return speakers.role(speaker)
    if name.casefold() == "unknown":
        return "unknown"
    return "interviewer" if speakers.role(name) == "interviewer" else "participant"
