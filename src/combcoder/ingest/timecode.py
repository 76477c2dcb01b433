"""Parse times written as seconds or as clock times (hh:mm:ss.mmm, mm:ss)."""

from __future__ import annotations

import re

_SECONDS = re.compile(r"\d{1,9}(?:\.\d{1,9})?")
_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,9}))?")


def parse_clock(value: str) -> float | None:
    """Return seconds for ``hh:mm:ss(.mmm)`` or ``mm:ss(.mmm)``; None if it is not one."""
    match = _CLOCK.fullmatch(value.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def parse_time(value: object) -> float | None:
    """Return seconds from a number, a numeric string or a clock time; None when blank.

    Raise ValueError for anything else, so callers can name the file and line.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a time, found {value!r}")
    if isinstance(value, (int, float)):
        if value < 0 or value != value or value == float("inf"):  # negative, NaN or infinite
            raise ValueError(f"expected a time of 0 seconds or more, found {value!r}")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _SECONDS.fullmatch(text):
            return float(text)
        seconds = parse_clock(text)
        if seconds is not None:
            return seconds
    raise ValueError(f"expected seconds or hh:mm:ss(.mmm), found {value!r}")
