"""Present an agreement result: a terminal table, and a disagreement CSV for adjudication."""

from __future__ import annotations

import csv
from pathlib import Path

from .agreement import COEFFICIENTS, AgreementResult, Estimate

SHORT = {
    "percent_agreement": "%agree",
    "cohen_kappa": "kappa",
    "fleiss_kappa": "Fleiss",
    "krippendorff_alpha": "alpha",
    "gwet_ac1": "AC1",
    "pabak": "PABAK",
}


def format_agreement(result: AgreementResult) -> str:
    """Return the result as plain-text tables for a terminal."""
    lines = [
        f"Agreement on {result.field}: {len(result.sources)} sources, {result.n_units} units "
        f"({result.n_pairable} coded by 2+ sources, {result.n_complete} by all)",
        "Coded: " + ", ".join(f"{c.name} {c.n_coded} (missing {c.n_missing})" for c in result.coverage),
        "",
        f"{'Coefficient':<26} {'Value':>6}  {'95% CI':<16} {'Units':>6}",
    ]
    for name, est in result.overall.items():
        units = f"{est.n_units}{'*' if est.complete_only else ''}"
        lines.append(f"{COEFFICIENTS[name]:<26} {_f(est.value):>6}  {_ci(est):<16} {units:>6}")
    lines.append("* complete units only (coded by every source compared)")
    lines += ["", "Per code (one vs rest)"]
    names = list(result.per_code[0].coefficients) if result.per_code else []
    width = max([len(c.code) for c in result.per_code] + [4])
    lines.append(f"{'Code':<{width}} {'n':>5} {'prev':>5} " + " ".join(f"{SHORT[n]:>6}" for n in names))
    for code in result.per_code:
        values = " ".join(f"{_f(code.coefficients[n].value):>6}" for n in names)
        lines.append(f"{code.code:<{width}} {code.n_codes:>5} {code.prevalence:>5.0%} {values}")
    for pair in result.pairs:
        lines += ["", *_pair_lines(pair)]
    lines += ["", f"{len(result.disagreements)} units with disagreements."]
    if result.n_boot:
        lines.append(
            f"95% CIs: percentile bootstrap over units, {result.n_boot} resamples, seed {result.seed}."
        )
    if result.notes:
        lines += ["", "Notes:", *(f"- {note}" for note in result.notes)]
    return "\n".join(lines)


def write_disagreements(
    result: AgreementResult, path: str | Path, texts: dict[str, str] | None = None
) -> int:
    """Write one CSV row per disagreement, with blank columns to adjudicate; return the row count."""
    texts = texts or {}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        header = ["id", *result.sources]
        header += ["text"] if texts else []
        writer.writerow([*header, f"adjudicated_{result.field}", "note"])
        for row in result.disagreements:
            cells = [row.id, *(row.labels[s] or "" for s in result.sources)]
            cells += [texts.get(row.id, "")] if texts else []
            writer.writerow([*cells, "", ""])
    return len(result.disagreements)


def _pair_lines(pair) -> list[str]:
    a, b = pair.coders
    est = pair.cohen_kappa
    lines = [
        f"{a} vs {b}: {pair.n_units} units, agreement {_f(pair.percent_agreement)}, "
        f"Cohen's kappa {_f(est.value)} {_ci(est)}",
        f"Confusion (rows {a}, columns {b}; columns numbered as rows):",
    ]
    width = max([len(x) for x in pair.labels] + [1])
    cell = max([len(str(v)) for row in pair.confusion for v in row] + [len(str(len(pair.labels)))]) + 1
    lines.append(" " * (width + 4) + "".join(f"{k + 1:>{cell}}" for k in range(len(pair.labels))))
    for k, (label, row) in enumerate(zip(pair.labels, pair.confusion)):
        lines.append(f"{k + 1:>2}. {label:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return lines


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ci(est: Estimate) -> str:
    if est.ci_low is None or est.ci_high is None:
        return ""
    return f"[{est.ci_low:.3f}, {est.ci_high:.3f}]"
