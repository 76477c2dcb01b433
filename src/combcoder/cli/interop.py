"""Commands: export, import (REFI-QDA exchange with QDA programs) and deidentify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, echo_err


@app.command()
def export(
    source: Annotated[Optional[Path], typer.Argument(
        help="A `combcoder code` output folder (or its utterances.jsonl); not needed for --format qdc.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (.qdpx, .qdc or .csv).")] = ...,
    format: Annotated[str, typer.Option("--format", "-f", help="qdpx (project), qdc (codebook only) or csv.")] = "qdpx",
    transcripts: Annotated[Optional[list[Path]], typer.Option(
        "--transcripts", "-t", help="The coded transcripts (files or folders), to export their texts as they are.")] = None,
    manifest: Annotated[Optional[Path], typer.Option(
        help="The manifest the transcripts were coded with (its files are re-read for their texts).")] = None,
    offsets: Annotated[str, typer.Option(
        help="What selection offsets count: codepoints (REFI-QDA, QualCoder) or utf16 (NVivo).")] = "codepoints",
    name: Annotated[Optional[str], typer.Option(help="Project name shown in the QDA program.")] = None,
    codebook: Annotated[Optional[Path], typer.Option(help="Codebook YAML (default: the shipped COM-B).")] = None,
    validate: Annotated[bool, typer.Option(help="Check the file against the REFI-QDA schema.")] = False,
    db: Annotated[Optional[str], typer.Option(
        help="Export from the review store instead (SQLite path or PostgreSQL URL): suggestions and decisions.")] = None,
    project: Annotated[Optional[str], typer.Option(help="Store project (default: the store's only project).")] = None,
) -> None:
    """Export coded transcripts for NVivo, ATLAS.ti, MAXQDA or QualCoder (REFI-QDA), or as CSV."""
    from ..export import export_project

    summary = export_project(source, out, format=format, transcripts=transcripts, manifest=manifest, offsets=offsets,
                             name=name, codebook_path=codebook, validate=validate, db=db, project=project)
    for warning in summary.warnings:
        echo_err(f"note: {warning}")
    for skipped in summary.skipped:
        echo_err(f"skipped: {skipped}")
    if summary.format == "qdc":
        typer.echo(f"wrote {summary.codes} codes -> {summary.path}")
    else:
        codings = f" ({summary.codings} codings)" if summary.format == "qdpx" else ""
        typer.echo(f"wrote {summary.documents} documents, {summary.selections} coded segments{codings} "
                   f"-> {summary.path}")


@app.command("import")
def import_project(
    project: Annotated[Path, typer.Argument(help="A REFI-QDA project file (.qdpx).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    mapping: Annotated[Optional[Path], typer.Option(
        help="YAML file mapping the project's code names to COM-B codes (codes: {name: domain}).")] = None,
    offsets: Annotated[str, typer.Option(
        help="auto, codepoints, utf16, codepoints-crlf1 or utf16-crlf1 (CRLF counted as one).")] = "auto",
    include_model: Annotated[bool, typer.Option(
        help="Also import codings made by a combcoder model user.")] = False,
) -> None:
    """Import a QDA project: texts -> documents.jsonl and texts/, human codings -> annotations.jsonl."""
    from ..export import import_qdpx

    summary = import_qdpx(project, out, mapping=mapping, offsets=offsets, include_model=include_model)
    buckets = {k: v for k, v in summary.to_dict()["codings"].items() if v}
    typer.echo(f"{summary.documents} documents, {summary.selections_read} selections, "
               f"{summary.codings_read} codings -> {summary.annotations} annotations "
               f"(offsets: {summary.offsets}; codings: {buckets or 'none'})")
    for name, count in summary.unmapped.most_common(10):
        echo_err(f"unmapped code: {name!r} ({count} codings); add it to a --mapping file")
    for skipped in summary.skipped_sources:
        echo_err(f"skipped source: {skipped}")
    for warning in summary.warnings[:20]:
        echo_err(f"warning: {warning}")
    typer.echo(f"wrote {out / 'documents.jsonl'}, {out / 'annotations.jsonl'} and {out / 'texts'}/")


@app.command()
def deidentify(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files, folders or globs.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pseudonymised texts.")],
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or YAML manifest: files and their metadata.")] = None,
    mapping_out: Annotated[Optional[Path], typer.Option(
        help="Where to write the pseudonym mapping (default: OUT.mapping.json beside OUT, never inside it).")] = None,
    mapping_in: Annotated[Optional[Path], typer.Option(
        help="A mapping from an earlier run, to keep the same pseudonyms across a project.")] = None,
    keep: Annotated[Optional[list[str]], typer.Option(
        help="A word or name never to replace (repeatable), e.g. a service name.")] = None,
) -> None:
    """Replace names, places, hospitals, dates, phone and ID numbers with consistent pseudonyms."""
    from ..deidentify import deidentify_files

    summary = deidentify_files(paths, out, manifest=manifest, mapping_out=mapping_out,
                               mapping_in=mapping_in, keep=keep or ())
    by_type = ", ".join(f"{t} {n}" for t, n in summary.by_type.most_common())
    typer.echo(f"{summary.documents} documents: {summary.replacements} replacements "
               f"({by_type or 'none'}), {summary.pseudonyms} pseudonyms")
    for warning in summary.warnings:
        echo_err(f"warning: {warning}")
    for path, error in summary.failed:
        echo_err(f"error: {error}")
    typer.echo(f"wrote {summary.out_dir}/ (texts and manifest.yaml)")
    typer.echo(f"KEEP APART from the texts: {summary.mapping} (mapping) and {summary.review} "
               "(review list of every replacement)")
    if summary.failed:
        raise typer.Exit(2)
