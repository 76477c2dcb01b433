"""Agreement between coding sources: every coefficient, overall and per code, with bootstrap CIs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np

from ..errors import CombcoderError
from . import metrics as m
from .sources import check_field

COEFFICIENTS: dict[str, str] = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "pabak": "PABAK (Brennan-Prediger)",
}
COMPLETE_ONLY = {"cohen_kappa", "fleiss_kappa"}
# The prevalence paradox: a rare code (or one dominant code), high raw agreement, low kappa.
RARE, HIGH_AGREEMENT, HIGH_ROBUST, LOW_KAPPA, GAP = 0.10, 0.85, 0.70, 0.60, 0.20


@dataclass
class Estimate:
    """A coefficient with its bootstrap 95% CI; None where undefined."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_units: int  # units the coefficient used
    complete_only: bool  # True: only units coded by every source it compares


@dataclass
class SourceCoverage:
    name: str
    n_coded: int
    n_missing: int


@dataclass
class CodeAgreement:
    """Agreement on one code against all others (one-vs-rest)."""

    code: str
    n_codes: int  # how often any source chose it
    prevalence: float  # its share of all codes given
    coefficients: dict[str, Estimate]
    note: str | None = None


@dataclass
class PairAgreement:
    coders: list[str]
    n_units: int
    percent_agreement: float | None
    cohen_kappa: Estimate
    labels: list[str]
    confusion: list[list[int]]  # rows: coders[0], columns: coders[1]


@dataclass
class Disagreement:
    id: str
    labels: dict[str, str | None]


@dataclass
class AgreementResult:
    """Everything ``agreement`` found; ``to_dict`` gives the JSON-ready form."""

    field: str
    sources: list[str]
    categories: list[str]
    n_units: int
    n_pairable: int
    n_complete: int
    coverage: list[SourceCoverage]
    overall: dict[str, Estimate]
    per_code: list[CodeAgreement]
    pairs: list[PairAgreement]
    disagreements: list[Disagreement]
    notes: list[str]
    n_boot: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def agreement(
    sources: Mapping[str, Mapping[str, str | None]],
    field: str = "domain",
    *,
    categories: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> AgreementResult:
    """Measure agreement between sources given as ``{source: {unit_id: label}}``.

    Units are matched by id; a unit a source lacks (or labels None) is missing data.
    ``categories`` fixes the code set that AC1 and PABAK count (default: the labels seen).
    """
    check_field(field)
    if len(sources) < 2:
        raise CombcoderError(f"agreement needs at least two sources, got {len(sources)}")
    if n_boot < 0:
        raise CombcoderError(f"n_boot must be 0 or more, got {n_boot}")
    for name, labels in sources.items():
        if not any(label is not None for label in labels.values()):
            raise CombcoderError(f"source {name!r} has no {field} codes")
        bad = [x for x in labels.values() if x is not None and not isinstance(x, str)]
        if bad:
            raise CombcoderError(f"source {name!r}: labels must be strings, found {bad[0]!r}")
    return _agreement({k: dict(v) for k, v in sources.items()}, field, categories, n_boot, seed)


def _agreement(sources, field, categories, n_boot, seed) -> AgreementResult:
    names = list(sources)
    units = list(dict.fromkeys(
        uid for labels in sources.values() for uid, label in labels.items() if label is not None
    ))
    seen = sorted({x for labels in sources.values() for x in labels.values() if x is not None})
    cats = list(dict.fromkeys(categories or []))
    unknown = [x for x in seen if x not in cats]
    cats += unknown
    index = {c: i for i, c in enumerate(cats)}
    codes = np.array(
        [[index[sources[s][u]] if sources[s].get(u) is not None else m.MISSING for s in names]
         for u in units],
        dtype=np.int64,
    )
    table = _Table(codes, len(cats))
    point = table.point()
    boots = _bootstrap(table, n_boot, seed)

    coded = (codes != m.MISSING).sum(axis=1)
    sizes = {"pairable": int((coded >= 2).sum()), "complete": int((coded == len(names)).sum())}
    overall = _estimates(point, boots, "overall", sizes)
    per_code = [_code_agreement(cats[c], c, table, point, boots, sizes, len(names)) for c in table.used]
    notes = _notes(names, codes, sizes, categories, unknown, overall, per_code, table)
    return AgreementResult(
        field=field, sources=names, categories=cats, n_units=len(units),
        n_pairable=sizes["pairable"], n_complete=sizes["complete"],
        coverage=[SourceCoverage(s, int((codes[:, j] != m.MISSING).sum()),
                                 int((codes[:, j] == m.MISSING).sum())) for j, s in enumerate(names)],
        overall=overall, per_code=per_code,
        pairs=[_pair(names, i, j, codes, cats, point, boots) for i, j in table.pairs],
        disagreements=_disagreements(names, units, codes, cats),
        notes=notes, n_boot=n_boot, seed=seed,
    )


class _Table:
    """The units x sources code array and its statistics: exact, or over bootstrap resamples."""

    def __init__(self, codes: np.ndarray, q: int):
        self.codes, self.q = codes, q
        self.counts = m.value_counts(codes, q)
        self.complete = (codes != m.MISSING).all(axis=1)
        self.pairs = list(combinations(range(codes.shape[1]), 2))
        self.used = [int(c) for c in np.flatnonzero(self.counts.sum(axis=0))]

    def views(self):
        """Yield (key, counts, codes, q): all codes, then each code one-vs-rest."""
        yield "overall", self.counts, self.codes, self.q
        r = self.counts.sum(axis=1)
        for c in self.used:
            binary = np.stack([r - self.counts[:, c], self.counts[:, c]], axis=1)
            is_c = np.where(self.codes == m.MISSING, m.MISSING, (self.codes == c).astype(np.int64))
            yield c, binary, is_c, 2

    def point(self) -> dict[Any, Any]:
        """Return every statistic on the data as coded."""
        stats: dict[Any, Any] = {}
        for key, counts, codes, q in self.views():
            stats[key] = {
                "percent_agreement": m.percent_agreement(counts),
                "fleiss_kappa": m.fleiss_kappa(counts[self.complete]),
                "krippendorff_alpha": m.krippendorff_alpha(counts),
                "gwet_ac1": m.gwet_ac1(counts, q),
                "pabak": m.brennan_prediger(counts, q),
            }
            if codes.shape[1] == 2:
                stats[key]["cohen_kappa"] = m.cohen_kappa(codes[:, 0], codes[:, 1], q)
        for i, j in self.pairs:
            stats[(i, j)] = m.cohen_kappa(self.codes[:, i], self.codes[:, j], self.q)
        return stats

    def resampled(self, weights: np.ndarray) -> dict[Any, Any]:
        """Return every statistic per resample; ``weights`` is resamples x units draw counts."""
        terms, finishers = {}, {}
        for key, counts, codes, q in self.views():
            parts = {
                "percent_agreement": (m.agreement_terms(counts), m.finish_agreement),
                "fleiss_kappa": (m.fleiss_terms(counts, self.complete), m.finish_fleiss),
                "krippendorff_alpha": (m.alpha_terms(counts), m.finish_alpha),
                "gwet_ac1": (m.ac1_terms(counts), partial(m.finish_ac1, q=q)),
                "pabak": (m.agreement_terms(counts), partial(m.finish_brennan_prediger, q=q)),
            }
            if codes.shape[1] == 2:
                parts["cohen_kappa"] = (m.cohen_terms(codes[:, 0], codes[:, 1], q), m.finish_cohen)
            for name, (t, finish) in parts.items():
                terms.update({(key, name, k): v for k, v in t.items()})
                finishers[(key, name)] = finish
        for i, j in self.pairs:
            t = m.cohen_terms(self.codes[:, i], self.codes[:, j], self.q)
            terms.update({((i, j), None, k): v for k, v in t.items()})
            finishers[((i, j), None)] = m.finish_cohen
        sums = m.weighted_sums(terms, weights)
        stats: dict[Any, Any] = {}
        for (key, name), finish in finishers.items():
            value = finish({k[2]: v for k, v in sums.items() if k[:2] == (key, name)})
            if name is None:
                stats[key] = value
            else:
                stats.setdefault(key, {})[name] = value
        return stats


def _bootstrap(table: _Table, n_boot: int, seed: int) -> dict[Any, Any]:
    """Return each statistic over ``n_boot`` resamples of units (with replacement)."""
    n = len(table.codes)
    if n_boot == 0:
        return {}
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, 2_000_000 // max(n, 1)))  # bound the weights array's memory
    parts = []
    for start in range(0, n_boot, chunk):
        weights = rng.multinomial(n, np.full(n, 1 / n), size=min(chunk, n_boot - start))
        parts.append(table.resampled(weights.astype(float)))
    return _concat(parts)


def _concat(parts: list) -> Any:
    first = parts[0]
    if isinstance(first, dict):
        return {k: _concat([p[k] for p in parts]) for k in first}
    return np.concatenate(parts)


def _estimate(value: float, replicates: np.ndarray | None, n_units: int, complete_only: bool) -> Estimate:
    finite = np.array([]) if replicates is None else replicates[np.isfinite(replicates)]
    if not len(finite) or not math.isfinite(value):
        return Estimate(_num(value), None, None, n_units, complete_only)
    low, high = np.percentile(finite, [2.5, 97.5])
    return Estimate(_num(value), _num(low), _num(high), n_units, complete_only)


def _estimates(point, boots, key, sizes) -> dict[str, Estimate]:
    out = {}
    for name in COEFFICIENTS:
        if name not in point[key]:
            continue
        complete = name in COMPLETE_ONLY
        n = sizes["complete"] if complete else sizes["pairable"]
        out[name] = _estimate(point[key][name], boots[key][name] if boots else None, n, complete)
    return out


def _code_agreement(code, c, table, point, boots, sizes, n_sources) -> CodeAgreement:
    n_codes = int(table.counts[:, c].sum())
    prevalence = n_codes / max(int(table.counts.sum()), 1)
    coefficients = _estimates(point, boots, c, sizes)
    result = CodeAgreement(code, n_codes, prevalence, coefficients)
    result.note = _paradox_note(result, n_sources)
    return result


def _pair(names, i, j, codes, cats, point, boots) -> PairAgreement:
    a, b = codes[:, i], codes[:, j]
    table = m.confusion_matrix(a, b, len(cats))
    n = int(table.sum())
    used = [k for k in range(len(cats)) if table[k].any() or table[:, k].any()]
    return PairAgreement(
        coders=[names[i], names[j]], n_units=n,
        percent_agreement=_num(np.trace(table) / n if n else float("nan")),
        cohen_kappa=_estimate(point[(i, j)], boots[(i, j)] if boots else None, n, True),
        labels=[cats[k] for k in used], confusion=table[np.ix_(used, used)].tolist(),
    )


def _disagreements(names, units, codes, cats) -> list[Disagreement]:
    rows = []
    for uid, row in zip(units, codes):
        given = row[row != m.MISSING]
        if len(given) >= 2 and (given != given[0]).any():
            labels = {s: cats[k] if k != m.MISSING else None for s, k in zip(names, row)}
            rows.append(Disagreement(uid, labels))
    return rows


def _kappa_for(coefficients: dict[str, Estimate], n_sources: int) -> tuple[str, float | None]:
    name = "cohen_kappa" if n_sources == 2 else "fleiss_kappa"
    if coefficients[name].value is None:
        name = "krippendorff_alpha"
    return name, coefficients[name].value


def _paradox_note(code: CodeAgreement, n_sources: int) -> str | None:
    co = code.coefficients
    name, kappa = _kappa_for(co, n_sources)
    pa, ac1, pabak = co["percent_agreement"].value, co["gwet_ac1"].value, co["pabak"].value
    if None in (kappa, pa, ac1, pabak):
        return None
    robust = max(ac1, pabak)
    if not (code.prevalence < RARE and pa >= HIGH_AGREEMENT and robust >= HIGH_ROBUST
            and kappa < LOW_KAPPA and robust - kappa >= GAP):
        return None
    return (
        f"'{code.code}' is rare ({code.prevalence:.0%} of codes): the coders agree on {pa:.0%} of "
        f"units and AC1 is {ac1:.2f} (PABAK {pabak:.2f}), yet {COEFFICIENTS[name]} is only "
        f"{kappa:.2f}. This is the prevalence paradox: with a rare code, coders agree on 'not "
        "this code' by chance almost every time, so kappa rests on the few units where either "
        "used it. Report AC1 or PABAK beside kappa, and read this code's disagreements before "
        "changing the codebook."
    )


def _notes(names, codes, sizes, categories, unknown, overall, per_code, table) -> list[str]:
    notes = []
    missing = {s: int((codes[:, j] == m.MISSING).sum()) for j, s in enumerate(names)}
    if any(missing.values()):
        listed = ", ".join(f"{s} {n}" for s, n in missing.items())
        notes.append(
            f"Units missing from a source are missing data (missing: {listed}). Fleiss' kappa "
            f"uses only the {_units(sizes['complete'])} coded by {_every(len(names))}, and "
            "Cohen's kappa the units coded by both coders of a pair; percent agreement, "
            f"Krippendorff's alpha, AC1 and PABAK use the {_units(sizes['pairable'])} coded by "
            "two or more sources."
        )
    single = int(((codes != m.MISSING).sum(axis=1) == 1).sum())
    if single:
        notes.append(f"{_units(single)} coded by only one source add no agreement information.")
    if categories and unknown:
        notes.append(f"Labels outside the given categories counted as extra codes: {', '.join(unknown)}.")
    top_code = max(per_code, key=lambda c: c.n_codes)
    name, kappa = _kappa_for(overall, len(names))
    pa, ac1 = overall["percent_agreement"].value, overall["gwet_ac1"].value
    if (None not in (kappa, pa, ac1) and top_code.prevalence > 1 - RARE and pa >= HIGH_AGREEMENT
            and kappa < LOW_KAPPA and ac1 - kappa >= GAP):
        notes.append(
            f"One code, '{top_code.code}', makes up {top_code.prevalence:.0%} of all codes, so "
            f"{COEFFICIENTS[name]} ({kappa:.2f}) is low although the coders agree on {pa:.0%} of "
            f"units (AC1 {ac1:.2f}): the prevalence paradox. Report AC1 beside kappa."
        )
    notes.extend(c.note for c in per_code if c.note)
    return notes


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def _every(n_sources: int) -> str:
    return "both sources" if n_sources == 2 else f"all {n_sources} sources"


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def jsonable(value):
    """Return ``value`` with NaN as None and numpy scalars as Python numbers, for JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, np.generic):
        return jsonable(value.item())
    return value
