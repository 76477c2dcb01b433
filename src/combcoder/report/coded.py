"""Read the ``code`` command's output: utterances with the model's codes and any human codes."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Utterance

UTTERANCE_FIELDS = {f.name for f in fields(Utterance)}
EXPECTED = "expected the utterances.jsonl of 'combcoder code'"


@dataclass
class CodedUtterance:
    """An utterance and the codes the report uses: a human's where given, else the model's."""

    utterance: Utterance
    domain: str | None
    polarity: str | None
    human: bool = False  # True when a human confirmed or corrected the codes
    coder: str | None = None
    model_domain: str | None = None
    model_polarity: str | None = None
    domain_score: float | None = None
    polarity_score: float | None = None
    model: str | None = None

    @property
    def confidence(self) -> float | None:
        """Return the model's joint confidence in its codes (domain x polarity score)."""
        if self.domain_score is None:
            return None
        return self.domain_score * (self.polarity_score if self.polarity_score is not None else 1.0)


def read_coded(path: str | Path) -> list[CodedUtterance]:
    """Read an utterances.jsonl written by ``combcoder code``; name the line of any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read file: {exc}") from None
    coded = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            coded.append(_parse(line, path, f"line {number}"))
    if not coded:
        raise InputError(path, "no utterances found", hint=EXPECTED)
    return coded


def coded_from_dict(
    row: dict[str, Any], path: str | Path = "<record>", where: str | None = None
) -> CodedUtterance:
    """Build a coded utterance from one output record (a parsed JSONL line)."""
    for key in ("id", "text"):
        if not isinstance(row.get(key), str):
            raise InputError(path, f"field {key!r} must be a string", where, hint=EXPECTED)
    values = {k: v for k, v in row.items() if k in UTTERANCE_FIELDS}
    values.setdefault("doc_id", "")
    values.setdefault("turn_index", 0)
    values.setdefault("start", 0)
    values.setdefault("end", len(row["text"]))
    utterance = Utterance(**values)
    human = row.get("human")
    if human is not None and not isinstance(human, dict):
        raise InputError(path, "'human' must be an object with domain, polarity and coder", where)
    codable = utterance.codable
    model_domain = row.get("domain") if codable else None
    model_polarity = row.get("polarity") if codable else None
    has_human = bool(human and human.get("domain"))
    return CodedUtterance(
        utterance=utterance,
        domain=human["domain"] if has_human else model_domain,
        polarity=(human.get("polarity") if has_human else model_polarity),
        human=has_human,
        coder=human.get("coder") if has_human else None,
        model_domain=model_domain,
        model_polarity=model_polarity,
        domain_score=_score(row.get("domain_score"), path, where) if codable else None,
        polarity_score=_score(row.get("polarity_score"), path, where) if codable else None,
        model=row.get("model"),
    )


def _parse(line: str, path: Path, where: str) -> CodedUtterance:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", where) from None
    if not isinstance(row, dict):
        raise InputError(path, f"expected a JSON object, found {type(row).__name__}", where)
    return coded_from_dict(row, path, where)


def _score(value: Any, path: str | Path, where: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(path, f"scores must be numbers, found {value!r}", where)
    return float(value)
