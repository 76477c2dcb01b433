"""Classify a JSONL file of {"id", "text"} lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..jsonl import iter_objects


def read_texts(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield (id, text) per line; a malformed line is an InputError naming its number."""
    for number, row in iter_objects(path):
        if not isinstance(row.get("text"), str) or "id" not in row:
            raise InputError(path, 'expected an object with "id" and "text"', where=f"line {number}")
        yield str(row["id"]), row["text"]


def classify_jsonl(path: str | Path, out: str | Path, classifier, batch_size: int = 256) -> int:
    """Write one line per input line with the suggestion fields added; return the count."""
    n = 0
    batch: list[tuple[str, str]] = []
    with open(out, "w", encoding="utf-8") as f:

        def flush() -> None:
            for (uid, text), s in zip(batch, classifier.suggest([b[0] for b in batch], [b[1] for b in batch])):
                f.write(json.dumps({"id": uid, "text": text} | {k: v for k, v in s.to_dict().items() if k != "id"},
                                   ensure_ascii=False) + "\n")
            batch.clear()

        for item in read_texts(path):
            batch.append(item)
            n += 1
            if len(batch) >= batch_size:
                flush()
        flush()
    if n == 0:
        raise InputError(path, "no utterances in file")
    return n
