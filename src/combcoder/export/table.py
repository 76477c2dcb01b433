"""Write annotations as a CSV of coded segments, one row per annotation.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return) as a formula; transcripts from outside may hold such text on purpose, so
those cells get a leading apostrophe (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..codebook import Codebook, load_codebook
from .codes import code_tree, codes_by_key
from .project import Project
from .qdpx import ExportSummary

COLUMNS = [
    "doc_id", "id", "start", "end", "speaker", "group", "coder", "coder_kind", "component",
    "domain", "domain_label", "polarity", "domain_score", "polarity_score", "text",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(project: Project, out: str | Path, *, codebook: Codebook | None = None) -> ExportSummary:
    """Write one row per annotation, in document order; offsets are code points."""
    codebook = codebook or load_codebook()
    codes = codes_by_key(code_tree(codebook))
    groups = {d.id: d.group for d in project.documents}
    order = {d.id: i for i, d in enumerate(project.documents)}
    summary = ExportSummary(str(out), "csv", documents=len(project.documents))
    rows = sorted(project.annotations, key=lambda a: (order.get(a.doc_id, len(order)), a.start, a.end))
    with open(out, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for a in rows:
            domain = codebook.domain(a.domain) if a.domain in codebook.domain_ids else None
            writer.writerow({k: _cell(v) for k, v in {
                "doc_id": a.doc_id, "id": a.id, "start": a.start, "end": a.end, "speaker": a.speaker,
                "group": groups.get(a.doc_id), "coder": a.coder, "coder_kind": a.coder_kind,
                "component": domain.component if domain else None, "domain": a.domain,
                "domain_label": codes[a.domain].name if a.domain in codes else None,
                "polarity": a.polarity, "domain_score": a.domain_score,
                "polarity_score": a.polarity_score, "text": a.text,
            }.items()})
            summary.selections += 1
    return summary


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value
