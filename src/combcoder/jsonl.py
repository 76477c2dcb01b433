"""Read JSON Lines files: one object per line; every problem is an InputError naming file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError


def iter_objects(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a UTF-8 JSONL file (a BOM is allowed).

    Lines are decoded one at a time, so a byte that is not UTF-8 is reported on its own line.
    """
    path = Path(path)
    try:
        f = open(path, "rb")
    except OSError as error:
        raise InputError(path, f"cannot read ({error.strerror})") from None
    with f:
        for number, raw in enumerate(f, start=1):
            where = f"line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError(path, "not UTF-8 text", where=where, hint="save the file as UTF-8") from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(path, f"invalid JSON ({error.msg})", where=where) from None
            if not isinstance(row, dict):
                raise InputError(path, "expected a JSON object", where=where)
            yield number, row


def is_whole_number(value: Any) -> bool:
    """True for a JSON integer (``true``/``false`` are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


__all__ = ["is_whole_number", "iter_objects"]
