"""Read WebVTT (.vtt) and SubRip (.srt) captions with small strict parsers.

Every cue is counted and none is dropped silently: a cue without a timing line, a bad
timestamp or (in .srt) a bad cue number is an InputError naming the cue and the line.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from combcoder.errors import InputError
from combcoder.ingest.decode import read_text
from combcoder.ingest.render import Parsed, Unit, clean_speaker, render_units
from combcoder.ingest.speakers import SpeakerConfig

_VTT_TIME = re.compile(r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})")
_SRT_TIME = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[^\s>]{0,100})?[ \t]+([^>\n]{1,200})>")
_TAG = re.compile(r"<[^>\n]{0,200}>|\{\\[^}\n]{0,200}\}")  # HTML-like and ASS {\an8} tags
_VTT_SKIP = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_VTT_HINT = "expected 'hh:mm:ss.mmm --> hh:mm:ss.mmm'"
_SRT_HINT = "expected 'hh:mm:ss,mmm --> hh:mm:ss,mmm'"


def read_vtt(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a WebVTT file; ``<v Name>`` voice tags or a label prefix give the speaker."""
    decoded = read_text(path)
    lines = decoded.text.split("\n")
    if not re.match(r"WEBVTT(?:[ \t]|$)", lines[0]):
        raise InputError(path, "not a WebVTT file: the first line must be 'WEBVTT'", where="line 1")
    units: list[Unit] = []
    warnings: list[str] = []
    cues = 0
    for first, block in _blocks(lines):
        if first == 1 or _VTT_SKIP.match(block[0]):
            continue  # the header, comments and style blocks
        cues += 1
        timing = 0 if "-->" in block[0] else 1
        if timing >= len(block) or "-->" not in block[timing]:
            raise InputError(
                path, "cue has no timing line", where=f"cue {cues}, line {first}", hint=_VTT_HINT
            )
        where = f"cue {cues}, line {first + timing}"
        start, end = _parse_timing(path, block[timing], _VTT_TIME, where, _VTT_HINT)
        _check_no_timing(path, block, timing + 1, first, cues)
        found = _voice_units(" ".join(block[timing + 1 :]), cues, start, end, speakers)
        if not any(u.text for u in found):
            warnings.append(f"cue {cues} has no text")
        units.extend(found)
    return _finish(path, units, cues, warnings, speakers, "vtt", decoded.encoding)


def read_srt(path: Path, speakers: SpeakerConfig) -> Parsed:
    """Read a SubRip file: numbered cues, 'hh:mm:ss,mmm --> hh:mm:ss,mmm', text lines."""
    decoded = read_text(path)
    units: list[Unit] = []
    warnings: list[str] = []
    cues = 0
    for first, block in _blocks(decoded.text.split("\n")):
        cues += 1
        if not block[0].strip().isdigit():
            raise InputError(
                path,
                f"expected a cue number, found {block[0].strip()[:40]!r}",
                where=f"cue {cues}, line {first}",
                hint="each .srt cue is a number, a timing line, text, then a blank line",
            )
        if len(block) < 2 or "-->" not in block[1]:
            raise InputError(
                path, "cue has no timing line", where=f"cue {cues}, line {first + 1}",
                hint=_SRT_HINT,
            )
        where = f"cue {cues}, line {first + 1}"
        start, end = _parse_timing(path, block[1], _SRT_TIME, where, _SRT_HINT)
        _check_no_timing(path, block, 2, first, cues)
        unit = _label_unit(_strip_tags(" ".join(block[2:])), cues, start, end, speakers)
        if not unit.text:
            warnings.append(f"cue {cues} has no text")
        units.append(unit)
    return _finish(path, units, cues, warnings, speakers, "srt", decoded.encoding)


def _check_no_timing(path: Path, block: list[str], text_from: int, first: int, cue: int) -> None:
    """Refuse a timing line among a cue's text lines: two cues without a blank line between."""
    for offset, line in enumerate(block[text_from:], text_from):
        if "-->" in line:
            raise InputError(
                path, "a timing line inside the cue's text", where=f"cue {cue}, line {first + offset}",
                hint="is the blank line before the next cue missing?",
            )


def _blocks(lines: list[str]):
    """Yield (1-based first line, lines) for each run of non-blank lines."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _parse_timing(
    path: Path, line: str, pattern: re.Pattern[str], where: str, hint: str
) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    tokens = [left.strip(), (right.split() or [""])[0]]
    times = []
    for token in tokens:
        match = pattern.fullmatch(token)
        if match is None:
            raise InputError(path, f"bad timestamp {token!r}", where=where, hint=hint)
        hours, minutes, seconds, millis = match.groups()
        whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        times.append(whole + int(millis) / 10 ** len(millis))
    if times[1] < times[0]:
        message = f"cue ends ({tokens[1]}) before it starts ({tokens[0]})"
        raise InputError(path, message, where=where)
    return times[0], times[1]


def _strip_tags(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _voice_units(
    payload: str, cue: int, start: float, end: float, speakers: SpeakerConfig
) -> list[Unit]:
    """Split a cue payload at ``<v Name>`` tags; text before any tag may carry a label."""
    pieces = _VOICE.split(payload)
    units = []
    if pieces[0].strip() or len(pieces) == 1:
        units.append(_label_unit(_strip_tags(pieces[0]), cue, start, end, speakers))
    for name, text in zip(pieces[1::2], pieces[2::2]):
        units.append(Unit(clean_speaker(name), _strip_tags(text), cue, start, end))
    return units


def _label_unit(text: str, cue: int, start: float, end: float, speakers: SpeakerConfig) -> Unit:
    label = speakers.match_label(text, weak=False)
    if label is None:
        return Unit(None, text, cue, start, end)
    return Unit(label.speaker, text[label.end :].strip(), cue, start, end)


def _finish(
    path: Path, units: list[Unit], cues: int, warnings: list[str], speakers: SpeakerConfig,
    fmt: str, encoding: str,
) -> Parsed:
    text, turns = render_units(_merge(units), speakers)
    if not turns:
        raise InputError(path, "no cue has any text", hint=f"read {cues} cues")
    metadata = {"format": fmt, "encoding": encoding, "units_read": cues, "warnings": warnings}
    return Parsed(text, turns, metadata)


def _merge(units: list[Unit]) -> list[Unit]:
    """Give unlabelled cues the previous speaker; merge consecutive cues of one speaker."""
    merged: list[Unit] = []
    speaker = None
    for unit in units:
        if not unit.text:
            continue
        speaker = unit.speaker or speaker
        if merged and merged[-1].speaker == speaker:
            last = merged[-1]
            last.text = f"{last.text} {unit.text}"
            last.time_end = unit.time_end
        else:
            merged.append(Unit(speaker, unit.text, unit.line, unit.time_start, unit.time_end))
    return merged
