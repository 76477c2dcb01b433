"""Commands: agree (coefficients between coders) and report (the COM-B matrix with quotes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app


def _split_name(spec: str) -> tuple[str | None, Path]:
    """Accept SOURCE or NAME=SOURCE."""
    name, sep, path = spec.partition("=")
    return (name, Path(path)) if sep and not Path(spec).exists() else (None, Path(spec))


@app.command()
def agree(
    sources: Annotated[list[str], typer.Argument(help="Two or more coding files (JSONL/CSV of id, domain, polarity, "
                                                      "or a `code` output), optionally named NAME=FILE.")],
    field: Annotated[str, typer.Option(help="domain | polarity | joint (domain/polarity).")] = "domain",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with every figure.")] = False,
    disagreements: Annotated[Optional[Path], typer.Option(help="Write units coded differently to this CSV.")] = None,
    human: Annotated[bool, typer.Option(help="Read the human codes of `code` outputs, not the model's.")] = False,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples for 95% confidence intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Measure agreement between coders: percent, Cohen's and Fleiss' kappa, Krippendorff's alpha, AC1, PABAK."""
    from ..agree import agreement, codebook_categories, format_agreement, labels_by_source, load_sources
    from ..agree import write_disagreements
    from ..codebook import load_codebook
    from ..errors import CombcoderError

    if len(sources) < 2:
        raise CombcoderError("agree needs at least two sources")
    specs = [_split_name(s) for s in sources]
    names = [n or p.stem for n, p in specs]
    loaded = load_sources([p for _, p in specs], names=names, human=human)
    result = agreement(labels_by_source(loaded, field), field,
                       categories=codebook_categories(load_codebook(), field), n_boot=n_boot, seed=seed)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        typer.echo(format_agreement(result))
    if disagreements:
        n = write_disagreements(result, disagreements, texts=loaded[0].texts)
        typer.echo(f"{n} disagreements -> {disagreements}", err=True)


@app.command()
def report(
    input: Annotated[Path, typer.Argument(help="utterances.jsonl written by `combcoder code`.")],
    out: Annotated[list[Path], typer.Option("--out", "-o", help="Output file(s): .html, .md or .csv; repeatable.")],
    source: Annotated[Optional[list[Path]], typer.Option(help="Extra coder files to compare (agreement charts).")] = None,
    title: Annotated[Optional[str], typer.Option(help="Report title.")] = None,
    max_exemplars: Annotated[int, typer.Option(help="Quotes per sub-theme (1-3).")] = 3,
) -> None:
    """Write the COM-B barrier/facilitator matrix with sub-themes, quotes and charts."""
    from ..agree import load_sources
    from ..report import report as build, write_report

    extra = load_sources(source) if source else ()
    result = build(input, sources=extra, title=title, max_exemplars=max_exemplars)
    for path in out:
        for written in write_report(result, path):
            typer.echo(f"wrote {written}")
