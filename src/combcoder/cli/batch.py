"""Commands: batch (code a large corpus into Parquet shards, resumably; see combcoder.batch)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app, echo_err


@app.command()
def batch(
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Transcript files, folders, globs, or a YAML manifest.", show_default=False),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (Parquet shards, checkpoint, summary).")
    ] = ...,
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or YAML manifest: files and their metadata.")] = None,
    model: Annotated[
        Optional[str],
        typer.Option("--model", "-m", help="Model folder or registry version (default: the promoted model)."),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (this machine) or ray (Ray Data; RAY_ADDRESS picks the cluster).")
    ] = "local",
    backend: Annotated[
        str, typer.Option(help="torch, or onnx (ONNX Runtime export, cached in <model>/onnx/).")
    ] = "torch",
    int8: Annotated[
        bool, typer.Option("--int8", help="With --backend onnx: dynamic int8 quantisation (faster on CPU).")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Utterances per model call.")] = 64,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Also write one JSONL file per shard.")] = False,
    shard_mb: Annotated[
        float, typer.Option(help="Source megabytes per shard: the unit of output and of resuming.")
    ] = 1.0,
    mode: Annotated[str, typer.Option(help="Segmentation: turn | sentence | window.")] = "turn",
    max_chars: Annotated[int, typer.Option(help="Split turns longer than this at sentence boundaries.")] = 400,
    threads: Annotated[
        Optional[int], typer.Option(help="Threads per classifier (default: the CPUs available).")
    ] = None,
    actors: Annotated[
        Optional[int],
        typer.Option(help="With --engine ray: classifier actors (default: one per GPU, else CPUs / threads)."),
    ] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Discard this output folder's earlier batch output first.")
    ] = False,
) -> None:
    """Code a corpus of any size into Parquet shards; rerun the same command to resume after a crash."""
    from tqdm import tqdm

    from ..batch import run_batch

    # The job's own rate and ETA (this run, after the model is loaded) replace tqdm's.
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} utterances [{elapsed}{postfix}]"
    with tqdm(total=None, desc="batch", file=sys.stderr, dynamic_ncols=True, bar_format=bar_format) as bar:

        def progress(p) -> None:
            # The utterance total is estimated from the share of source bytes done.
            estimate = int(p.utterances / p.fraction) if p.fraction > 0 else 0
            bar.total = max(estimate, p.utterances) or None
            bar.n = p.utterances
            eta = f"{p.eta_s / 60:.1f} min" if p.eta_s is not None else "?"
            bar.set_postfix_str(f"shards {p.shards_done}/{p.shards_total}, {p.rate:.0f} utt/s, ETA {eta}",
                                refresh=False)
            bar.refresh()

        summary = run_batch(
            inputs or [], out, manifest=manifest, model=model, engine=engine, backend=backend, int8=int8,
            batch_size=batch_size, jsonl=jsonl, shard_mb=shard_mb, mode=mode, max_chars=max_chars,
            threads=threads, actors=actors, restart=restart, on_progress=progress,
            log=lambda line: bar.write(line, file=sys.stderr),
        )
    typer.echo(
        f"{summary.shards} shards ({summary.shards_resumed} from an earlier run), {summary.documents} documents, "
        f"{summary.utterances} utterances ({summary.codable} coded)"
    )
    if summary.utterances_this_run:
        typer.echo(
            f"this run: {summary.utterances_this_run} utterances in {summary.seconds:.1f} s "
            f"({summary.rate:.0f}/s; {summary.classified_this_run} distinct texts classified)"
        )
    for path, warning in summary.warnings:
        echo_err(f"warning: {path}: {warning}")
    for _path, error in summary.failed:
        echo_err(f"error: {error}")
    written = f"wrote {out / 'parquet'}" + (f" and {out / 'jsonl'}" if jsonl else "")
    typer.echo(f"{written}; summary in {out / 'summary.json'}")
    if summary.failed:
        raise typer.Exit(2)
