"""Convert selection offsets between what combcoder counts and what QDA programs count.

combcoder counts Unicode code points (Python ``str`` indices) in text with LF line endings.
REFI-QDA says "characters" without saying which; in practice:

- ``codepoints``: one per code point (QualCoder, and combcoder's default).
- ``utf16``: one per UTF-16 code unit, so a character outside the Basic Multilingual Plane
  (most emoji, some CJK) counts twice (NVivo, and other .NET/Java programs).

Line endings are the second trap: a source text with CRLF may have been counted with the
CR (two positions per line break) or without it (ATLAS.ti has counted ``\\r\\n`` as one).
:class:`PositionMap` maps positions in a raw source text, under any of these conventions, to
positions in the normalised text (LF, NFC) that combcoder keeps.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Sequence
from typing import Literal

Unit = Literal["codepoints", "utf16"]
UNITS: tuple[str, ...] = ("codepoints", "utf16")


def check_unit(unit: str) -> Unit:
    """Return ``unit`` if known; raise ValueError listing the valid ones."""
    if unit not in UNITS:
        raise ValueError(f"unknown offset unit {unit!r}; expected one of {', '.join(UNITS)}")
    return unit  # type: ignore[return-value]


class UnitCounter:
    """Convert code-point offsets in one text to and from UTF-16 code units."""

    def __init__(self, text: str):
        # Code-point positions of the characters that take two UTF-16 units.
        self.astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self.length = len(text)

    def to_unit(self, position: int, unit: Unit) -> int:
        """Return code-point ``position`` counted in ``unit``."""
        if unit == "codepoints" or not self.astral:
            return position
        return position + bisect.bisect_left(self.astral, position)

    def from_unit(self, position: int, unit: Unit) -> int | None:
        """Return the code-point position of ``position`` in ``unit``; None if it splits a pair."""
        if unit == "codepoints" or not self.astral:
            return position
        # Positions before the k-th astral character are shifted by k.
        low, high = 0, len(self.astral)
        while low < high:
            middle = (low + high) // 2
            if self.astral[middle] + middle < position:
                low = middle + 1
            else:
                high = middle
        # ``low`` astral characters start before ``position`` (in units).
        if low and self.astral[low - 1] + low - 1 + 1 == position:
            return None  # inside a surrogate pair
        return position - low

    def unit_length(self, unit: Unit) -> int:
        """Return the text's length in ``unit``."""
        return self.to_unit(self.length, unit)


def utf16_length(text: str) -> int:
    """Return the number of UTF-16 code units in ``text``."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class PositionMap:
    """Map positions in a raw text to positions in its normalised form (LF line ends, NFC).

    ``unit`` says what a raw position counts; ``crlf_as_one`` says whether a ``\\r\\n`` in the
    raw text was counted as one position. A position inside a character that normalisation
    merged maps to the start of the merged character (``side="start"``) or its end; a
    position that splits a UTF-16 surrogate pair maps to None.
    """

    def __init__(self, raw: str, *, unit: Unit = "codepoints", crlf_as_one: bool = False):
        self.unit = check_unit(unit)
        self.crlf_as_one = crlf_as_one
        self._counter: UnitCounter | None = None
        if "\r" not in raw and unicodedata.is_normalized("NFC", raw):
            # The common case: normalising changes nothing, only the unit may differ.
            self.text = raw
            self._counter = UnitCounter(raw)
            self.raw_length = self._counter.unit_length(unit)
            return
        self.raw_positions: list[int] = []  # in ``unit``, where each piece starts
        self.norm_positions: list[int] = []
        self._pairs: set[int] = set()  # pieces that are one UTF-16 surrogate pair
        parts: list[str] = []
        raw_pos = norm_pos = 0
        for piece in _pieces(raw):
            normalised = _normalise_piece(piece)
            self.raw_positions.append(raw_pos)
            self.norm_positions.append(norm_pos)
            if len(piece) == 1 and ord(piece) > 0xFFFF:
                self._pairs.add(len(self.raw_positions) - 1)
            parts.append(normalised)
            raw_pos += self._raw_width(piece)
            norm_pos += len(normalised)
        self.raw_positions.append(raw_pos)
        self.norm_positions.append(norm_pos)
        self.text = "".join(parts)
        self.raw_length = raw_pos

    def _raw_width(self, piece: str) -> int:
        width = len(piece)
        if self.unit == "utf16":
            width += sum(1 for ch in piece if ord(ch) > 0xFFFF)
        if self.crlf_as_one and piece == "\r\n":
            width -= 1
        return width

    def to_normalised(self, position: int, side: str = "start") -> int | None:
        """Return the normalised position for raw ``position``; None if outside the text."""
        if position < 0 or position > self.raw_length:
            return None
        if self._counter is not None:
            return self._counter.from_unit(position, self.unit)
        index = bisect.bisect_right(self.raw_positions, position) - 1
        if self.raw_positions[index] == position:
            return self.norm_positions[index]
        if self.unit == "utf16" and index in self._pairs:
            return None  # splits a surrogate pair
        # Inside a piece that normalisation merged: keep whole characters together.
        return self.norm_positions[index] if side == "start" else self.norm_positions[index + 1]


def _pieces(raw: str) -> list[str]:
    """Split ``raw`` into pieces that normalise independently: CRLF, or a character and
    whatever composes with it (combining marks, Hangul vowel and final jamo)."""
    pieces: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        j = i + 1
        if raw[i] == "\r" and j < n and raw[j] == "\n":
            j += 1
        elif raw[i] != "\r":
            while j < n and ord(raw[j]) > 0x7F and _joins(raw[i:j], raw[j]):
                j += 1
        pieces.append(raw[i:j])
        i = j
    return pieces


def _joins(piece: str, following: str) -> bool:
    """Return True if NFC would change ``following`` together with ``piece``."""
    if unicodedata.combining(following):
        return True
    together = unicodedata.normalize("NFC", piece + following)
    return together != unicodedata.normalize("NFC", piece) + unicodedata.normalize("NFC", following)


def _normalise_piece(piece: str) -> str:
    if piece in ("\r\n", "\r"):
        return "\n"
    return unicodedata.normalize("NFC", piece)


def normalise_text(raw: str) -> str:
    """Return ``raw`` with CRLF/CR turned into LF and in NFC, as PositionMap does."""
    return PositionMap(raw).text


def convert_offsets(text: str, spans: Sequence[tuple[int, int]], unit: Unit) -> list[tuple[int, int]]:
    """Return code-point ``spans`` of ``text`` counted in ``unit``."""
    counter = UnitCounter(text)
    return [(counter.to_unit(s, unit), counter.to_unit(e, unit)) for s, e in spans]
