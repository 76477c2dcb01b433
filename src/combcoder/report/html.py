"""Render the report as one self-contained HTML file: inline CSS, images as data URIs, no scripts."""

from __future__ import annotations

from html import escape

from .. import __version__
from ..agree import COEFFICIENTS, AgreementResult
from .build import Cell, Exemplar, Report

CSS = """
body { font: 15px/1.5 Georgia, 'Times New Roman', serif; color: #222; max-width: 62rem;
       margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3, h4 { font-family: 'Helvetica Neue', Arial, sans-serif; line-height: 1.25; }
h1 { font-size: 1.7rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.2rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #bbb; padding: 0.35rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.count { font-weight: bold; font-size: 1.1rem; }
.groups, .meta, .note { color: #555; font-size: 0.85rem; }
.themes { margin: 0.3rem 0 0; padding-left: 1.1rem; font-size: 0.85rem; }
blockquote { margin: 0.6rem 0 0.9rem 0; padding: 0.2rem 0 0.2rem 0.9rem; border-left: 3px solid #999; }
blockquote p { margin: 0; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
@page { margin: 18mm; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; } h3, h4 { break-after: avoid; }
  table, figure, blockquote, tr { break-inside: avoid; }
  th { background: none; }
}
"""


def render_html(report: Report) -> str:
    """Return the report as a complete HTML document; every piece of text is escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        _summary(report),
        "<h2>COM-B matrix</h2>",
        _matrix(report),
    ]
    if report.charts:
        parts.append("<h2>Charts</h2>")
        parts += [_figure(chart) for chart in report.charts.values()]
    if report.agreement:
        parts.append("<h2>Agreement between coders</h2>")
        parts += [_agreement(result) for result in report.agreement.values()]
    parts.append("<h2>Sub-themes and quotes</h2>")
    parts += [_cell_section(report, cell) for cell in report.cells if cell.count]
    parts.append(
        f'<p class="meta">Made by combcoder {escape(__version__)}. Sub-themes are clusters of the '
        "cell's utterance embeddings, named by their most distinctive words (class-based "
        "TF-IDF); quotes prefer human-confirmed codes, then the model's most confident.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _summary(report: Report) -> str:
    c = report.counts
    models = ", ".join(report.models) or "none"
    return (
        f'<p class="meta">Source: {escape(report.source)} · Codebook: {escape(report.codebook)} · '
        f"Model: {escape(models)}</p>"
        f"<p>{c['utterances']} utterances, {c['codable']} codable; {c['in_matrix']} are in the matrix "
        f"({c['human']} with human-confirmed codes). Not in the matrix: {c['none']} coded 'none', "
        f"{c['neutral']} neutral, {c['uncoded']} without a code, {c['other']} with codes outside "
        "the codebook.</p>"
    )


def _matrix(report: Report) -> str:
    head = "".join(f"<th>{escape(p.capitalize())}s</th>" for p in report.columns)
    rows = []
    for domain in report.rows:
        cells = "".join(_matrix_cell(report.cell(domain, p)) for p in report.columns)
        rows.append(f"<tr><th>{escape(report.row_labels.get(domain, domain))}</th>{cells}</tr>")
    return f"<table><thead><tr><th>Sub-domain</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _matrix_cell(cell: Cell) -> str:
    groups = " · ".join(f"{escape(g)} {n}" for g, n in sorted(cell.by_group.items()))
    themes = "".join(f"<li>{escape(t.label)} ({t.size})</li>" for t in cell.themes)
    return (
        f'<td><span class="count">{cell.count}</span>'
        + (f'<div class="groups">{groups}</div>' if groups else "")
        + (f'<ul class="themes">{themes}</ul>' if themes else "")
        + "</td>"
    )


def _figure(chart) -> str:
    return (
        f'<figure><img src="data:image/png;base64,{chart.png_base64}" alt="{escape(chart.description)}">'
        f"<figcaption>{escape(chart.title)}</figcaption></figure>"
    )


def _agreement(result: AgreementResult) -> str:
    coverage = ", ".join(f"{escape(c.name)} {c.n_coded}" for c in result.coverage)
    rows = "".join(
        f"<tr><td>{escape(COEFFICIENTS[name])}</td><td class=\"num\">{_f(e.value)}</td>"
        f"<td class=\"num\">{_ci(e)}</td><td class=\"num\">{e.n_units}</td></tr>"
        for name, e in result.overall.items()
    )
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in result.notes)
    return (
        f"<h3>{escape(result.field.capitalize())}</h3>"
        f'<p class="meta">Coders (units coded): {coverage}; '
        f"{result.n_pairable} units coded by two or more.</p>"
        "<table><thead><tr><th>Coefficient</th><th class=\"num\">Value</th><th class=\"num\">95% CI</th>"
        f"<th class=\"num\">Units</th></tr></thead><tbody>{rows}</tbody></table>{notes}"
    )


def _cell_section(report: Report, cell: Cell) -> str:
    label = report.row_labels.get(cell.domain, cell.domain)
    parts = [f"<h3>{escape(label)}: {escape(cell.polarity)}s ({cell.count})</h3>"]
    for theme in cell.themes:
        parts.append(f"<h4>{escape(theme.label)} ({theme.size})</h4>")
        parts += [_quote(e) for e in theme.exemplars]
    return "\n".join(parts)


def _quote(e: Exemplar) -> str:
    return (
        f"<blockquote><p>{escape(e.text)}</p>"
        f'<p class="meta">{escape(e.who)} · {escape(e.doc_id)} · {escape(e.how)}</p></blockquote>'
    )


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ci(e) -> str:
    return "" if e.ci_low is None else f"{e.ci_low:.3f} to {e.ci_high:.3f}"
