"""Build the COM-B barrier/facilitator report from coded utterances."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..agree import AgreementResult, CodingSource, agreement, codebook_categories
from ..agree.agreement import jsonable
from ..codebook import Codebook, load_codebook
from ..errors import CombcoderError
from .coded import CodedUtterance, read_coded
from .themes import cluster_cell, distinctive_terms, exemplar_order

POLARITY_COLUMNS = ("barrier", "facilitator")
NO_GROUP = "unspecified"


@dataclass
class Exemplar:
    """A quote for a sub-theme, with who said it."""

    id: str
    text: str
    speaker: str | None
    role: str
    group: str | None
    doc_id: str
    human: bool
    confidence: float | None

    @property
    def who(self) -> str:
        """Return the speaker, role and group, e.g. "P3, participant, patients"."""
        parts = [x for x in (self.speaker, self.role, self.group) if x and x != "unknown"]
        return ", ".join(parts) or "speaker unknown"

    @property
    def how(self) -> str:
        """Return where the code came from: "human-confirmed" or "model 0.87"."""
        if self.human:
            return "human-confirmed"
        return "model" if self.confidence is None else f"model {self.confidence:.2f}"


@dataclass
class SubTheme:
    terms: list[str]  # most distinctive words (c-TF-IDF)
    size: int
    exemplars: list[Exemplar]
    ids: list[str]

    @property
    def label(self) -> str:
        return ", ".join(self.terms) if self.terms else "(no distinctive words)"


@dataclass
class Cell:
    """One cell of the COM-B matrix: a sub-domain with one polarity."""

    domain: str
    polarity: str
    count: int
    by_group: dict[str, int]
    themes: list[SubTheme] = field(default_factory=list)


@dataclass
class Chart:
    title: str
    png_base64: str
    description: str  # alt text


@dataclass
class Report:
    """The matrix, its sub-themes and quotes, charts, and agreement between coders."""

    title: str
    source: str
    codebook: str
    rows: list[str]  # the six sub-domains, in codebook order
    row_labels: dict[str, str]
    columns: list[str]
    groups: list[str]
    cells: list[Cell]
    counts: dict[str, int]  # utterances, codable, in_matrix, human, none, neutral, uncoded, other
    models: list[str]
    charts: dict[str, Chart] = field(default_factory=dict)
    agreement: dict[str, AgreementResult] = field(default_factory=dict)

    def cell(self, domain: str, polarity: str) -> Cell:
        """Return the cell for a sub-domain and polarity."""
        for cell in self.cells:
            if cell.domain == domain and cell.polarity == polarity:
                return cell
        raise KeyError(f"no cell {domain}/{polarity}; rows are {self.rows}, columns {self.columns}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["agreement"] = {k: v.to_dict() for k, v in self.agreement.items()}
        for cell, raw in zip(self.cells, data["cells"]):
            for theme, raw_theme in zip(cell.themes, raw["themes"]):
                raw_theme["label"] = theme.label
        return jsonable(data)


def report(
    input: str | Path,
    *,
    embedder=None,
    codebook: Codebook | None = None,
    sources: Sequence[CodingSource] = (),
    title: str | None = None,
    max_themes: int = 5,
    max_exemplars: int = 3,
    n_boot: int = 1000,
    seed: int = 0,
) -> Report:
    """Build the report from a ``code`` output file (utterances.jsonl).

    ``sources`` are extra coders (see :func:`combcoder.agree.load_source`) compared with the
    model and any human codes. ``embedder`` needs ``encode(texts)``; default: the bundled model.
    """
    coded = read_coded(input)
    return build_report(
        coded, source=str(input), embedder=embedder, codebook=codebook, sources=sources,
        title=title, max_themes=max_themes, max_exemplars=max_exemplars, n_boot=n_boot, seed=seed,
    )


def build_report(
    coded: Sequence[CodedUtterance],
    *,
    source: str = "",
    embedder=None,
    codebook: Codebook | None = None,
    sources: Sequence[CodingSource] = (),
    title: str | None = None,
    max_themes: int = 5,
    max_exemplars: int = 3,
    n_boot: int = 1000,
    seed: int = 0,
) -> Report:
    """Build the report from coded utterances (from a file, the store, or memory)."""
    if max_exemplars < 1 or max_themes < 1:
        raise CombcoderError("max_exemplars and max_themes must be at least 1")
    codebook = codebook or load_codebook()
    rows = [d.id for d in codebook.domains if d.component is not None]
    report = Report(
        title=title or f"{codebook.name}: barriers and facilitators",
        source=source,
        codebook=f"{codebook.name} {codebook.version}",
        rows=rows,
        row_labels={d.id: d.label for d in codebook.domains},
        columns=list(POLARITY_COLUMNS),
        groups=sorted({c.utterance.group or NO_GROUP for c in coded}),
        cells=[],
        counts=_counts(coded, rows),
        models=sorted({c.model for c in coded if c.model}),
    )
    members = {
        (d, p): [c for c in coded if c.domain == d and c.polarity == p] for d in rows for p in POLARITY_COLUMNS
    }
    report.cells = [
        Cell(d, p, len(m), dict(Counter(c.utterance.group or NO_GROUP for c in m)))
        for (d, p), m in members.items()
    ]
    _add_themes(report, members, embedder, max_themes, max_exemplars)
    report.agreement = _agreements(coded, sources, codebook, n_boot, seed)
    from .charts import make_charts  # matplotlib is slow to import

    report.charts = make_charts(report, coded)
    return report


def _counts(coded: Sequence[CodedUtterance], rows: list[str]) -> dict[str, int]:
    codable = [c for c in coded if c.utterance.codable or c.human]
    in_rows = [c for c in codable if c.domain in rows]
    return {
        "utterances": len(coded),
        "codable": len(codable),
        "in_matrix": sum(c.polarity in POLARITY_COLUMNS for c in in_rows),
        "human": sum(c.human for c in coded),
        "none": sum(c.domain == "none" for c in codable),
        "neutral": sum(c.polarity not in POLARITY_COLUMNS for c in in_rows),
        "uncoded": sum(c.domain is None for c in codable),
        "other": sum(c.domain not in rows and c.domain not in (None, "none") for c in codable),
    }


def _add_themes(report: Report, members, embedder, max_themes: int, max_exemplars: int) -> None:
    texts = [c.utterance.text for m in members.values() for c in m]
    if not texts:
        return
    if embedder is None:
        from ..embed import Embedder

        embedder = Embedder()
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    at, themes, documents = 0, [], []
    for cell in report.cells:
        m = members[(cell.domain, cell.polarity)]
        cell_vectors, at = vectors[at : at + len(m)], at + len(m)
        if not m:
            continue
        labels = cluster_cell(cell_vectors, max_themes)
        for k in range(labels.max() + 1):
            idx = np.flatnonzero(labels == k)
            group = [m[i] for i in idx]
            order = exemplar_order(cell_vectors[idx], [c.human for c in group], [c.confidence for c in group])
            theme = SubTheme([], len(idx), [_exemplar(group[i]) for i in order[:max_exemplars]],
                             [c.utterance.id for c in group])
            cell.themes.append(theme)
            themes.append(theme)
            documents.append(" ".join(c.utterance.text for c in group))
    for theme, terms in zip(themes, distinctive_terms(documents)):
        theme.terms = terms


def _exemplar(c: CodedUtterance) -> Exemplar:
    u = c.utterance
    return Exemplar(u.id, u.text, u.speaker, u.role, u.group, u.doc_id, c.human, c.confidence)


def _agreements(
    coded, sources: Sequence[CodingSource], codebook: Codebook, n_boot: int, seed: int
) -> dict[str, AgreementResult]:
    """Compare the model, human codes and any extra sources, when there are two or more."""
    coders: dict[str, dict[str, dict[str, str | None]]] = {}
    model = {c.utterance.id: (c.model_domain, c.model_polarity) for c in coded if c.model_domain}
    human = {c.utterance.id: (c.domain, c.polarity) for c in coded if c.human}
    for name, codes in (("model", model), ("human", human)):
        if codes:
            coders[name] = {"domain": {k: v[0] for k, v in codes.items()},
                            "polarity": {k: v[1] for k, v in codes.items()}}
    for s in sources:
        if s.name in coders:
            raise CombcoderError(f"a coding source is named {s.name!r}, which the report uses; rename it")
        coders[s.name] = {"domain": s.labels("domain"), "polarity": s.labels("polarity")}
    results = {}
    for fld in ("domain", "polarity"):
        usable = {name: c[fld] for name, c in coders.items() if any(v is not None for v in c[fld].values())}
        if len(usable) >= 2:
            categories = codebook_categories(codebook, fld)
            results[fld] = agreement(usable, fld, categories=categories, n_boot=n_boot, seed=seed)
    return results
