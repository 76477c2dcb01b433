"""The main job: transcripts in, coded utterances out (ingest -> segment -> classify -> write)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import InputError
from .records import Suggestion, Utterance
from .segment import Segmenter

CSV_COLUMNS = [
    "doc", "id", "speaker", "role", "group", "start", "end", "text", "codable", "skip_reason",
    "domain", "domain_score", "polarity", "polarity_score", "suggestion_2", "suggestion_2_score",
    "suggestion_3", "suggestion_3_score", "model",
]


@dataclass
class CodeSummary:
    """What a run read, wrote and could not read."""

    documents: int = 0
    turns_read: int = 0
    units_read: int = 0
    utterances: int = 0
    codable: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (domain, polarity, group) -> n

    def to_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = [
            {"domain": d, "polarity": p, "group": g, "n": n} for (d, p, g), n in sorted(self.counts.items(), key=str)
        ]
        return data


def code_corpus(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    *,
    manifest: str | Path | None = None,
    classifier=None,
    segmenter: Segmenter | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CodeSummary:
    """Code every transcript under ``paths``; write utterances.jsonl and suggestions.csv to ``out_dir``.

    A file that cannot be read is recorded in ``summary.failed`` and the others still run.
    ``progress(done, total)`` is called after each file.
    """
    from .ingest import iter_sources, read_source

    segmenter = segmenter or Segmenter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = CodeSummary()
    with open(out / "utterances.jsonl", "w", encoding="utf-8") as jsonl, open(
        out / "suggestions.csv", "w", encoding="utf-8", newline=""
    ) as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        sources = list(iter_sources(paths, manifest))
        for done, source in enumerate(sources, start=1):
            try:
                document = read_source(source)
            except InputError as error:
                summary.failed.append((str(source.path), str(error)))
                continue
            finally:
                if progress:
                    progress(done, len(sources))
            summary.documents += 1
            summary.turns_read += len(document.turns)
            summary.units_read += int(document.metadata.get("units_read", len(document.turns)))
            for warning in document.metadata.get("warnings", []):
                summary.warnings.append((document.path, warning))
            utterances = segmenter.segment(document)
            coded = [u for u in utterances if u.codable]
            suggestions = {s.id: s for s in classifier(coded)} if classifier and coded else {}
            for utterance in utterances:
                suggestion = suggestions.get(utterance.id)
                jsonl.write(json.dumps(utterance_row(utterance, suggestion), ensure_ascii=False) + "\n")
                writer.writerow(csv_row(utterance, suggestion))
                summary.utterances += 1
                if suggestion:
                    summary.codable += 1
                    summary.counts[(suggestion.domain, suggestion.polarity, utterance.group or "")] += 1
    return summary


def utterance_row(utterance: Utterance, suggestion: Suggestion | None) -> dict:
    """Return one output line: the utterance's fields plus its suggestion's (null when not coded)."""
    row = utterance.to_dict()
    fields = ("domain", "domain_score", "polarity", "polarity_score", "suggestions", "model")
    if suggestion is None:
        row.update(dict.fromkeys(fields))
    else:
        data = suggestion.to_dict()
        row.update({k: data[k] for k in fields})
    return row


def csv_row(utterance: Utterance, suggestion: Suggestion | None) -> dict:
    row = {
        "doc": utterance.doc_id, "id": utterance.id, "speaker": utterance.speaker, "role": utterance.role,
        "group": utterance.group, "start": utterance.start, "end": utterance.end, "text": utterance.text,
        "codable": utterance.codable, "skip_reason": utterance.skip_reason,
    }
    if suggestion:
        row.update(
            domain=suggestion.domain, domain_score=suggestion.domain_score, polarity=suggestion.polarity,
            polarity_score=suggestion.polarity_score, model=suggestion.model,
        )
        for k, alt in enumerate(suggestion.suggestions[1:3], start=2):
            row[f"suggestion_{k}"], row[f"suggestion_{k}_score"] = alt.domain, alt.score
    return row
