"""Charts for the report, drawn with matplotlib's Agg canvas and kept as base64 PNG."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .build import Chart, Report
from .coded import CodedUtterance

PALETTE = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]  # colour-blind safe


def make_charts(report: Report, coded: Sequence[CodedUtterance]) -> dict[str, Chart]:
    """Return the report's charts by name; skip a chart that has nothing to show."""
    charts = {}
    if report.counts["in_matrix"]:
        charts["counts_by_group"] = counts_by_group(report)
    scores = [c.domain_score for c in coded if c.domain_score is not None]
    if scores:
        charts["confidence"] = confidence(coded)
    if "domain" in report.agreement:
        charts["confusion"] = confusion(report)
    return charts


def counts_by_group(report: Report) -> Chart:
    """Draw barrier and facilitator counts per sub-domain, stacked by stakeholder group."""
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    labels = [report.row_labels.get(d, d) for d in report.rows]
    y = np.arange(len(labels))
    for ax, polarity in zip(axes, report.columns):
        left = np.zeros(len(labels))
        for k, group in enumerate(report.groups):
            values = np.array([report.cell(d, polarity).by_group.get(group, 0) for d in report.rows])
            ax.barh(y, values, left=left, color=PALETTE[k % len(PALETTE)], label=group)
            left += values
        ax.set_title(polarity.capitalize() + "s")
        ax.set_xlabel("utterances")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()  # shared: first sub-domain on top in both panels
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncols=min(len(report.groups), 5), fontsize="small", title="stakeholder group")
    return _chart(fig, "Utterances per sub-domain and polarity, by stakeholder group",
                  "Horizontal bars of barrier and facilitator counts per COM-B sub-domain, stacked by group.")


def confidence(coded: Sequence[CodedUtterance]) -> Chart:
    """Draw histograms of the model's domain and polarity confidence."""
    fig = Figure(figsize=(6, 3), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(0, 1, 21)
    for name, colour in (("domain", PALETTE[0]), ("polarity", PALETTE[1])):
        scores = [getattr(c, f"{name}_score") for c in coded]
        ax.hist([s for s in scores if s is not None], bins=bins, alpha=0.6, color=colour, label=name)
    ax.set_xlabel("model confidence (calibrated probability)")
    ax.set_ylabel("utterances")
    ax.legend(fontsize="small")
    return _chart(fig, "Model confidence",
                  "Histograms of the model's confidence in its domain and polarity codes.")


def confusion(report: Report) -> Chart:
    """Draw the domain confusion matrix of the first pair of coders."""
    pair = report.agreement["domain"].pairs[0]
    table = np.array(pair.confusion) if pair.confusion else np.zeros((0, 0))
    size = max(3.5, 0.6 * len(pair.labels) + 2)
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.subplots()
    ax.imshow(table, cmap="Blues")
    ticks = np.arange(len(pair.labels))
    ax.set_xticks(ticks, pair.labels, rotation=45, ha="right", fontsize="small")
    ax.set_yticks(ticks, pair.labels, fontsize="small")
    ax.set_xlabel(pair.coders[1])
    ax.set_ylabel(pair.coders[0])
    top = table.max(initial=0)
    for (i, j), value in np.ndenumerate(table):
        ax.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    a, b = pair.coders
    return _chart(fig, f"Domain codes: {a} (rows) against {b} (columns)",
                  f"Confusion matrix of domain codes between {a} and {b} on the units both coded.")


def _chart(fig: Figure, title: str, description: str) -> Chart:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return Chart(title, base64.b64encode(buffer.getvalue()).decode("ascii"), description)
