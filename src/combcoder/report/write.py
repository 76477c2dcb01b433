"""Write the report as HTML, Markdown or CSV, chosen by the file suffix."""

from __future__ import annotations

import base64
import csv
import html
from pathlib import Path

from ..agree import COEFFICIENTS
from ..errors import CombcoderError
from .build import Report
from .html import render_html

FORMATS = (".html", ".htm", ".md", ".csv")


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write ``report`` to ``path`` (.html, .md or .csv); return every file written.

    Markdown links its charts as PNG files in a ``<name>_files`` folder beside it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CombcoderError(
            f"{path}: unknown report format {path.suffix or '(none)'!r}; expected one of {', '.join(FORMATS)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        return [write_matrix_csv(report, path)]
    if suffix == ".md":
        return write_markdown(report, path)
    path.write_text(render_html(report), encoding="utf-8")
    return [path]


def write_matrix_csv(report: Report, path: str | Path) -> Path:
    """Write the matrix: one row per sub-domain; counts overall and by group; theme names."""
    path = Path(path)
    header = ["domain", "label", *report.columns]
    header += [f"{p}: {g}" for p in report.columns for g in report.groups]
    header += [f"{p} themes" for p in report.columns]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for d in report.rows:
            cells = [report.cell(d, p) for p in report.columns]
            writer.writerow([
                d, report.row_labels.get(d, d), *(c.count for c in cells),
                *(c.by_group.get(g, 0) for c in cells for g in report.groups),
                *("; ".join(f"{t.label} ({t.size})" for t in c.themes) for c in cells),
            ])
    return path


def write_markdown(report: Report, path: Path) -> list[Path]:
    """Write Markdown with charts as PNG files beside it; return every file written."""
    written = [path]
    lines = [f"# {_md(report.title)}", "", _md(_summary(report)), "", "## COM-B matrix", ""]
    lines.append("| Sub-domain | " + " | ".join(f"{p.capitalize()}s" for p in report.columns) + " |")
    lines.append("|---" * (len(report.columns) + 1) + "|")
    for d in report.rows:
        cells = []
        for p in report.columns:
            cell = report.cell(d, p)
            groups = _cell(", ".join(f"{g} {n}" for g, n in sorted(cell.by_group.items())))
            themes = _cell("; ".join(f"{t.label} ({t.size})" for t in cell.themes))
            cells.append(" — ".join(x for x in (f"**{cell.count}**", groups, themes) if x))
        lines.append(f"| {_cell(report.row_labels.get(d, d))} | " + " | ".join(cells) + " |")
    if report.charts:
        folder = path.with_name(f"{path.stem}_files")
        folder.mkdir(exist_ok=True)
        lines += ["", "## Charts", ""]
        for name, chart in report.charts.items():
            image = folder / f"{name}.png"
            image.write_bytes(base64.b64decode(chart.png_base64))
            written.append(image)
            image_link = f"![{_md(chart.description)}]({folder.name}/{image.name})"
            lines += [image_link, "", f"*{_md(chart.title)}*", ""]
    for result in report.agreement.values():
        lines += ["", f"## Agreement on {result.field}", ""]
        lines += ["| Coefficient | Value | 95% CI | Units |", "|---|---|---|---|"]
        for name, e in result.overall.items():
            ci = "" if e.ci_low is None else f"{e.ci_low:.3f} to {e.ci_high:.3f}"
            value = "n/a" if e.value is None else f"{e.value:.3f}"
            lines.append(f"| {COEFFICIENTS[name]} | {value} | {ci} | {e.n_units} |")
        lines += ["", *(f"- {_md(n)}" for n in result.notes)]
    lines += ["", "## Sub-themes and quotes"]
    for cell in (c for c in report.cells if c.count):
        label = report.row_labels.get(cell.domain, cell.domain)
        lines += ["", f"### {_md(label)}: {cell.polarity}s ({cell.count})"]
        for theme in cell.themes:
            lines += ["", f"#### {_md(theme.label)} ({theme.size})"]
            for e in theme.exemplars:
                lines += ["", f"> {_md(e.text)}", ">", f"> — {_md(e.who)} · {_md(e.doc_id)} · {e.how}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def _summary(report: Report) -> str:
    c = report.counts
    return (
        f"Source: {report.source}. Codebook: {report.codebook}. {c['utterances']} utterances, "
        f"{c['codable']} codable, {c['in_matrix']} in the matrix ({c['human']} human-confirmed); "
        f"{c['none']} coded 'none' and {c['neutral']} neutral are left out."
    )


def _md(text: str) -> str:
    """Escape text for Markdown: no raw HTML, one line, no accidental heading or list."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return "\\" + text if text[:1] in "#-+>*" and text else text


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|")
