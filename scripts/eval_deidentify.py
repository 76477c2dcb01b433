"""Measure pseudonymisation recall and precision per entity type on the gold passages.

    python scripts/eval_deidentify.py [data/deid_gold/passages.txt] [--json OUT] [--misses]

A gold entity counts as found when replacements cover all its characters (a leak-based
measure: a half-replaced name still identifies); "typed" also asks for the same type. A
replacement counts as correct when it overlaps a gold entity. All passages are one project,
as in real use, so names found in one passage are also looked for in the others.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "data" / "deid_gold" / "passages.txt"
MARK = re.compile(r"\{([A-Z]+):([^{}]+)\}")
TYPES = ("PERSON", "HOSPITAL", "ORG", "PLACE", "DATE", "PHONE", "ID", "EMAIL")


@dataclass
class Gold:
    start: int
    end: int
    type: str
    text: str


def parse_markup(line: str) -> tuple[str, list[Gold]]:
    """Return the plain text of a marked-up passage and its gold entities."""
    text, spans, position = [], [], 0
    last = 0
    for match in MARK.finditer(line):
        text.append(line[last:match.start()])
        position += match.start() - last
        kind, words = match.group(1), match.group(2)
        if kind not in TYPES:
            raise ValueError(f"unknown entity type {kind!r} in: {line}")
        spans.append(Gold(position, position + len(words), kind, words))
        text.append(words)
        position += len(words)
        last = match.end()
    text.append(line[last:])
    return "".join(text), spans


def load_gold(path: Path) -> list[tuple[str, list[Gold]]]:
    passages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            passages.append(parse_markup(line))
    return passages


def run(path: Path = DEFAULT, detector=None):
    """Pseudonymise the gold passages; return (passages, DeidentifiedDocuments, seconds)."""
    from combcoder.deidentify import Detector, deidentify_documents
    from combcoder.ingest.speakers import load_speaker_config
    from combcoder.ingest.text import segment
    from combcoder.records import Document

    passages = load_gold(path)
    speakers = load_speaker_config()
    documents = [Document(f"p{i:02d}", str(path), text, segment(text, speakers).turns)
                 for i, (text, _) in enumerate(passages)]
    detector = detector or Detector()
    detector.nlp  # load the model outside the timing
    started = time.perf_counter()
    results, _ = deidentify_documents(documents, detector=detector)
    return passages, results, time.perf_counter() - started


def score(passages, results) -> dict:
    found, typed, gold_n = Counter(), Counter(), Counter()
    correct, typed_correct, predicted = Counter(), Counter(), Counter()
    misses, false_alarms = [], []
    for (text, golds), result in zip(passages, results):
        covered = set()
        for r in result.replacements:
            covered.update(range(r.start, r.end))
        for g in golds:
            gold_n[g.type] += 1
            needed = {i for i in range(g.start, g.end) if not text[i].isspace()}
            if needed <= covered:
                found[g.type] += 1
                if all(r.type == g.type for r in result.replacements if r.start < g.end and g.start < r.end):
                    typed[g.type] += 1
            else:
                misses.append(f"{g.type}: {g.text!r} in {text[:70]!r}")
        for r in result.replacements:
            predicted[r.type] += 1
            overlapping = [g for g in golds if r.start < g.end and g.start < r.end]
            if overlapping:
                correct[r.type] += 1
                typed_correct[r.type] += any(g.type == r.type for g in overlapping)
            else:
                false_alarms.append(f"{r.type}: {r.original!r} in {text[:70]!r}")
    rows = {}
    for kind in TYPES:
        if gold_n[kind] or predicted[kind]:
            rows[kind] = {
                "gold": gold_n[kind], "recall": _ratio(found[kind], gold_n[kind]),
                "typed_recall": _ratio(typed[kind], gold_n[kind]), "predicted": predicted[kind],
                "precision": _ratio(correct[kind], predicted[kind]),
                "typed_precision": _ratio(typed_correct[kind], predicted[kind]),
            }
    rows["ALL"] = {
        "gold": sum(gold_n.values()), "recall": _ratio(sum(found.values()), sum(gold_n.values())),
        "typed_recall": _ratio(sum(typed.values()), sum(gold_n.values())),
        "predicted": sum(predicted.values()), "precision": _ratio(sum(correct.values()), sum(predicted.values())),
        "typed_precision": _ratio(sum(typed_correct.values()), sum(predicted.values())),
    }
    return {"passages": len(passages), "by_type": rows, "misses": misses, "false_alarms": false_alarms}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def table(report: dict) -> str:
    lines = ["| type | gold | recall | typed recall | replaced | precision | typed precision |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, row in report["by_type"].items():
        cells = [_cell(row[k]) for k in ("recall", "typed_recall")]
        more = [_cell(row[k]) for k in ("precision", "typed_precision")]
        lines.append(f"| {kind} | {row['gold']} | {cells[0]} | {cells[1]} | {row['predicted']} | {more[0]} | {more[1]} |")
    return "\n".join(lines)


def _cell(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--misses", action="store_true", help="list missed entities and false alarms")
    args = parser.parse_args(argv)
    passages, results, seconds = run(args.gold)
    report = score(passages, results)
    report["seconds"] = round(seconds, 2)
    print(f"{report['passages']} passages, {seconds:.1f} s\n")
    print(table(report))
    if args.misses:
        print("\nmissed:\n  " + "\n  ".join(report["misses"] or ["none"]))
        print("\nfalse alarms:\n  " + "\n  ".join(report["false_alarms"] or ["none"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
