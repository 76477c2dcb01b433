"""Labelled utterances for training and evaluation: the seed corpus, OOD set and extra annotations."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..jsonl import iter_objects
from ..records import DOMAINS, POLARITIES

SPLITS = ("train", "dev", "test", "ood")


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    id: str
    text: str
    domain: str
    polarity: str
    split: str
    source: str  # file it came from

    @property
    def digest(self) -> str:
        payload = json.dumps([self.id, self.text, self.domain, self.polarity], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def read_examples(path: str | Path, default_split: str | None = None,
                  domains=DOMAINS, polarities=POLARITIES) -> list[Example]:
    """Read a JSONL file of labelled utterances; a bad line is an InputError naming it."""
    path = Path(path)
    examples = []
    for number, row in iter_objects(path):
        where = f"line {number}"
        for key in ("id", "text", "domain", "polarity"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputError(path, f"missing or empty {key!r}", where=where)
        if row["domain"] not in domains:
            raise InputError(path, f"unknown domain {row['domain']!r}", where=where,
                             hint=f"expected one of {', '.join(domains)}")
        if row["polarity"] not in polarities:
            raise InputError(path, f"unknown polarity {row['polarity']!r}", where=where,
                             hint=f"expected one of {', '.join(polarities)}")
        split = row.get("split") or default_split
        if split not in SPLITS:
            raise InputError(path, f"split must be one of {', '.join(SPLITS)}, not {split!r}", where=where)
        examples.append(Example(row["id"], row["text"], row["domain"], row["polarity"], split, path.name))
    return examples


def read_folder(folder: str | Path, default_split: str | None = None) -> list[Example]:
    """Read every *.jsonl in ``folder`` (sorted); ids must be unique."""
    folder = Path(folder)
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise InputError(folder, "no .jsonl files with labelled utterances")
    examples = [e for f in files for e in read_examples(f, default_split)]
    seen: dict[str, str] = {}
    for e in examples:
        if e.id in seen:
            raise InputError(folder, f"duplicate id {e.id!r} in {seen[e.id]} and {e.source}")
        seen[e.id] = e.source
    return examples
