"""Commands of the main pipeline: code, classify, segment, train, models."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import CombcoderError
from . import app, echo_err as _echo_err

models_app = typer.Typer(help="List, inspect and promote trained models.", no_args_is_help=True)
app.add_typer(models_app, name="models")

ModelOption = Annotated[
    Optional[str], typer.Option("--model", "-m", help="Model folder or registry version (default: the promoted model).")
]


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def code(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Transcript files, folders or globs (default with --manifest: every file it lists).")] = None,
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or YAML manifest: files and their metadata.")] = None,
    model: ModelOption = None,
    mode: Annotated[str, typer.Option(help="Segmentation: turn | sentence | window.")] = "turn",
    max_chars: Annotated[int, typer.Option(help="Split turns longer than this at sentence boundaries.")] = 400,
) -> None:
    """Code transcripts: write utterances.jsonl and suggestions.csv with a suggested code per utterance."""
    from tqdm import tqdm

    from ..pipeline import code_corpus
    from ..registry import load_model
    from ..segment import Segmenter

    if not paths and not manifest:
        raise CombcoderError("give transcript files or folders, or a --manifest that lists them")
    classifier = load_model(model)
    with tqdm(unit="file", desc="coding", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        summary = code_corpus(
            paths or [], out, manifest=manifest, classifier=classifier,
            segmenter=Segmenter(mode=mode, max_chars=max_chars), progress=progress,
        )
    _print_summary(summary, out)
    if summary.failed:
        raise typer.Exit(2)


def _print_summary(summary, out: Path) -> None:
    from collections import Counter

    typer.echo(
        f"{summary.documents} documents, {summary.units_read} source units, {summary.turns_read} turns -> "
        f"{summary.utterances} utterances ({summary.codable} coded, "
        f"{summary.utterances - summary.codable} interviewer or back-channel, kept uncoded)"
    )
    groups = sorted({g for (_, _, g) in summary.counts})
    by_cell: Counter = Counter()
    for (domain, polarity, group), n in summary.counts.items():
        by_cell[(domain, polarity)] += n
    if by_cell:
        typer.echo(f"\n{'domain':26} {'polarity':12} {'all':>5}  " + "  ".join(f"{g[:18]:>18}" for g in groups))
        for (domain, polarity), n in sorted(by_cell.items()):
            cells = "  ".join(f"{summary.counts.get((domain, polarity, g), 0):>18}" for g in groups)
            typer.echo(f"{domain:26} {polarity:12} {n:>5}  {cells}")
    for path, warning in summary.warnings:
        _echo_err(f"warning: {path}: {warning}")
    for path, error in summary.failed:
        _echo_err(f"error: {error}")
    typer.echo(f"\nwrote {out / 'utterances.jsonl'} and {out / 'suggestions.csv'}")


@app.command()
def classify(
    input: Annotated[Path, typer.Argument(help='JSONL file, one {"id", "text"} per line.')],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL file.")],
    model: ModelOption = None,
    batch_size: Annotated[int, typer.Option(help="Utterances per model call.")] = 256,
) -> None:
    """Classify utterances given one per line, without segmentation."""
    from ..classify.io import classify_jsonl
    from ..registry import load_model

    n = classify_jsonl(input, out, load_model(model), batch_size=batch_size)
    typer.echo(f"classified {n} utterances -> {out}")


@app.command()
def segment(
    path: Annotated[Path, typer.Argument(help="One transcript file.")],
    mode: Annotated[str, typer.Option(help="turn | sentence | window.")] = "turn",
    max_chars: Annotated[int, typer.Option(help="Split turns longer than this at sentence boundaries.")] = 400,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per utterance.")] = False,
) -> None:
    """Show how a transcript is split into utterances."""
    from ..ingest import read_document
    from ..segment import Segmenter

    document = read_document(path)
    utterances = Segmenter(mode=mode, max_chars=max_chars).segment(document)
    for u in utterances:
        if as_json:
            typer.echo(json.dumps(u.to_dict(), ensure_ascii=False))
        else:
            flag = "" if u.codable else f"  [{u.skip_reason}]"
            typer.echo(f"{u.id:28} {u.start:>6}-{u.end:<6} {u.speaker or '?':>14}: {u.text[:90]!r}{flag}")
    typer.echo(f"{len(document.turns)} turns -> {len(utterances)} utterances", err=True)


@app.command()
def train(
    config: Annotated[Optional[Path], typer.Option(help="Training config (default configs/train/default.yaml).")] = None,
    data: Annotated[Optional[list[Path]], typer.Option(help="Extra labelled JSONL (id, text, domain, polarity).")] = None,
    promote: Annotated[bool, typer.Option(help="Promote the new model to default.")] = False,
    only_if_missing: Annotated[bool, typer.Option(help="Do nothing when a promoted model exists.")] = False,
    device: Annotated[Optional[str], typer.Option(help="cpu | cuda (default: cuda when present).")] = None,
) -> None:
    """Fine-tune the classifier on the seed corpus (plus extra data) and evaluate it with baselines."""
    from ..registry import promoted_version
    from ..train import train_model

    if only_if_missing and promoted_version():
        typer.echo(f"promoted model present ({promoted_version()}); nothing to do")
        return
    result = train_model(config, extra_data=data or [], promote=promote, device=device,
                         log=lambda line: typer.echo(line, err=True))
    typer.echo(result.summary())


@models_app.command("list")
def models_list() -> None:
    """List trained models; * marks the promoted one."""
    from ..registry import list_models

    entries = list_models()
    if not entries:
        typer.echo("no models yet: run `make model` or `combcoder train`")
    for e in entries:
        test = e.metrics.get("finetuned", {}).get("test", {}) if e.metrics else {}
        f1 = test.get("domain_macro_f1")
        typer.echo(f"{'*' if e.promoted else ' '} {e.version:36} {e.info.get('kind', '?'):10} "
                   f"{'test macro-F1 %.3f' % f1 if f1 is not None else ''}")


@models_app.command("show")
def models_show(version: Annotated[str, typer.Argument(help="Model version.")]) -> None:
    """Show a model's card."""
    from ..registry import get_model

    entry = get_model(version)
    card = entry.path / "MODEL.md"
    typer.echo(card.read_text(encoding="utf-8") if card.is_file() else json.dumps(entry.info, indent=2))


@models_app.command("promote")
def models_promote(version: Annotated[str, typer.Argument(help="Model version.")]) -> None:
    """Make a model the default for classify and code."""
    from ..registry import promote

    promote(version)
    typer.echo(f"promoted {version}")
