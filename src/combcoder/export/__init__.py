"""Export and import: exchange coded transcripts with NVivo, ATLAS.ti, MAXQDA and QualCoder.

Formats
- ``qdpx``: a REFI-QDA project (see ``qdpx``): transcripts, the codebook as nested codes,
  each annotation as a coded selection, the model as a user of its own.
- ``qdc``: the REFI-QDA codebook alone.
- ``csv``: one row per annotation.

Offsets: combcoder counts code points in LF text. A .qdpx declares its unit in the project
description; ``offsets="utf16"`` writes UTF-16 code units instead, as NVivo counts them
(an emoji is two). ``read_qdpx`` works out the unit of a file from elsewhere (``offsets``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import CombcoderError
from .project import Annotation, Project, load_code_output, read_documents_jsonl
from .qdpx import ExportSummary, write_qdc, write_qdpx
from .qdpx_read import ImportSummary, import_qdpx, read_qdpx
from .table import write_csv

FORMATS: tuple[str, ...] = ("qdpx", "qdc", "csv")


def export_project(
    source: str | Path | None,
    out: str | Path,
    *,
    format: str = "qdpx",
    transcripts: Iterable[str | Path] | None = None,
    manifest: str | Path | None = None,
    offsets: str = "codepoints",
    name: str | None = None,
    codebook_path: str | Path | None = None,
    validate: bool = False,
    db: str | Path | None = None,
    project: str | None = None,
) -> ExportSummary:
    """Export a ``code`` output folder, or a review-store project (``db``), to ``out``.

    For ``qdc`` only the codebook is written.
    With ``validate``, check the file against the REFI-QDA schema (needs the ``interop``
    extra) and raise CombcoderError listing any problem.
    """
    from ..codebook import load_codebook

    if format not in FORMATS:
        raise CombcoderError(f"unknown export format {format!r}; expected one of {', '.join(FORMATS)}")
    codebook = load_codebook(codebook_path)
    if format == "qdc":
        summary = write_qdc(out, codebook=codebook)
        return _validated(summary, validate)
    if db is not None:
        if source is not None:
            raise CombcoderError("give either a `combcoder code` output folder or --db, not both")
        from .from_store import load_store_project

        coded = load_store_project(db, project)
        coded.name = name or coded.name
    elif source is None:
        raise CombcoderError(f"--format {format} needs a coded project: a `combcoder code` output folder or --db")
    else:
        coded = load_code_output(source, transcripts, manifest=manifest, name=name, need_texts=format != "csv")
    if format == "csv":
        summary = write_csv(coded, out, codebook=codebook)
    else:
        summary = write_qdpx(coded, out, codebook=codebook, offsets=offsets)
    summary.warnings[:0] = coded.warnings
    return _validated(summary, validate)


def _validated(summary: ExportSummary, validate: bool) -> ExportSummary:
    if not validate or summary.format == "csv":
        return summary
    from .validate import check_qdc, check_qdpx

    problems = check_qdpx(summary.path) if summary.format == "qdpx" else check_qdc(summary.path)
    if problems:
        listed = "\n  ".join(problems[:20])
        raise CombcoderError(f"{summary.path} failed validation ({len(problems)} problems):\n  {listed}")
    summary.warnings.append("valid against the REFI-QDA 1.0 schema")
    return summary


__all__ = [
    "FORMATS", "Annotation", "ExportSummary", "ImportSummary", "Project", "export_project",
    "import_qdpx", "load_code_output", "read_documents_jsonl", "read_qdpx", "write_csv",
    "write_qdc", "write_qdpx",
]
