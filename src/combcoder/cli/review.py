"""Commands of human review: project, coder, ingest, suggest, serve, annotations, retrain.

Every command takes ``--db`` (a SQLite file path or a postgresql:// URL; default env
COMBCODER_DB or ./combcoder.db) and opens the store, migrating it to the newest schema.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app

project_app = typer.Typer(help="Create review projects and give coders access.", no_args_is_help=True)
coder_app = typer.Typer(help="Add and list the people who log in to the review app.", no_args_is_help=True)
annotations_app = typer.Typer(help="Import and export human annotations.", no_args_is_help=True)
app.add_typer(project_app, name="project")
app.add_typer(coder_app, name="coder")
app.add_typer(annotations_app, name="annotations")

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", envvar="COMBCODER_DB", show_envvar=True,
                 help="Review store: a SQLite file or postgresql://user@host/db URL (default ./combcoder.db)."),
]
ProjectOption = Annotated[
    Optional[str], typer.Option("--project", "-p", help="Project name (default: the store's only project).")
]


def _store(db: str | None):
    from ..store import open_store

    return open_store(db)


@project_app.command("init")
def project_init(
    name: Annotated[str, typer.Argument(help="Project name, e.g. 'heart-failure-fgs'.")],
    description: Annotated[str, typer.Option(help="One line about the project.")] = "",
    db: DbOption = None,
) -> None:
    """Create the review store if needed and a project in it."""
    from ..store import create_project

    with _store(db) as store:
        project = create_project(store, name, description)
        typer.echo(f"created project {project.name!r} in {store.url}")
        typer.echo(f"next: combcoder coder add NAME --role admin --db {db or store.url}")


@project_app.command("add-member")
def project_add_member(
    project: Annotated[str, typer.Argument(help="Project name.")],
    coder: Annotated[str, typer.Argument(help="Coder name.")],
    mode: Annotated[
        str,
        typer.Option(
            help="assisted (suggestions shown) or blind (no suggestions, no other coders' labels)."),
    ] = "assisted",
    db: DbOption = None,
) -> None:
    """Give a coder access to a project (again to change their mode)."""
    from ..store import add_member

    with _store(db) as store:
        add_member(store, project, coder, mode)
    typer.echo(f"{coder} codes {project} in {mode} mode")


@project_app.command("list")
def project_list(db: DbOption = None) -> None:
    """List the projects in the store."""
    from ..store.accounts import list_projects

    with _store(db) as store:
        for project in list_projects(store):
            typer.echo(f"{project['name']:30} {project['documents']:>4} documents {project['codable']:>6} codable "
                       f"{project['annotations']:>7} annotations  model {project['model'] or '-'}")


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            lines = password_file.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            from ..errors import InputError

            raise InputError(password_file, f"cannot read ({error.strerror})") from None
        return lines[0] if lines else ""
    if os.environ.get("COMBCODER_PASSWORD"):
        return os.environ["COMBCODER_PASSWORD"]
    if not sys.stdin.isatty():
        from ..errors import InputError

        raise InputError("password", "no password given",
                         hint="use --password-file FILE or set COMBCODER_PASSWORD, or run in a terminal to be asked")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@coder_app.command("add")
def coder_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin (may adjudicate, retrain, see all projects) or coder.")] = "coder",
    password_file: Annotated[
        Optional[Path],
        typer.Option(
            help="Read the password from the first line of this file (else env COMBCODER_PASSWORD, else a prompt)."),
    ] = None,
    project: Annotated[
        Optional[list[str]],
        typer.Option("--project", "-p",
            help="Also add the coder to this project (repeatable)."),
    ] = None,
    mode: Annotated[str, typer.Option(help="Mode in those projects: assisted or blind.")] = "assisted",
    db: DbOption = None,
) -> None:
    """Add a coder; the password is stored as an argon2 hash, never in clear."""
    from ..store import add_coder, add_member

    password = _read_password(password_file)
    with _store(db) as store:
        coder = add_coder(store, name, password, role)
        for p in project or []:
            add_member(store, p, coder.name, mode)
    typer.echo(f"added {coder.role} {coder.name}" + (f" to {', '.join(project)} ({mode})" if project else ""))


@coder_app.command("list")
def coder_list(db: DbOption = None) -> None:
    """List coders and their roles."""
    from ..store import list_coders

    with _store(db) as store:
        for coder in list_coders(store):
            typer.echo(f"{coder.name:24} {coder.role}")


@app.command()
def ingest(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(
            help="Transcript files, folders or globs (optional with --manifest)."),
    ] = None,
    project: ProjectOption = None,
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or YAML manifest: files and their metadata.")] = None,
    mode: Annotated[str, typer.Option(help="Segmentation: turn | sentence | window.")] = "turn",
    max_chars: Annotated[int, typer.Option(help="Split turns longer than this at sentence boundaries.")] = 400,
    db: DbOption = None,
) -> None:
    """Read and segment transcripts into a review project (same utterances as `combcoder code`)."""
    from ..segment import Segmenter
    from ..store import ingest as ingest_documents

    with _store(db) as store:
        summary = ingest_documents(store, project, paths or [], manifest=manifest,
                                   segmenter=Segmenter(mode=mode, max_chars=max_chars))
    typer.echo(f"{summary.documents_added} documents added ({summary.utterances_added} utterances, "
               f"{summary.codable_added} codable), {summary.documents_unchanged} already in the project")
    for path, warning in summary.warnings:
        typer.echo(f"warning: {path}: {warning}", err=True)
    for _path, error in summary.failed:
        typer.echo(f"error: {error}", err=True)
    if summary.failed:
        raise typer.Exit(2)


@app.command()
def suggest(
    project: ProjectOption = None,
    model: Annotated[
        Optional[str],
        typer.Option("--model", "-m",
            help="Model folder or registry version (default: the promoted model)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Utterances per model call.")] = 256,
    db: DbOption = None,
) -> None:
    """Run the model on a project's utterances and store its suggestions for review."""
    from ..store import suggest as store_suggestions

    with _store(db) as store:
        summary = store_suggestions(store, project, model, batch_size=batch_size)
    typer.echo(f"model {summary.model}: {summary.added} new suggestions ({summary.already} already stored); "
               "the review page now shows this model's suggestions")


@app.command()
def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (keep 127.0.0.1 behind a TLS reverse proxy)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    secure_cookies: Annotated[bool, typer.Option(help="Mark cookies Secure (set when served over HTTPS).")] = False,
    retrain_config: Annotated[
        Optional[Path],
        typer.Option(
            help="Training config for the admin page's Retrain button."),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            help="Share of annotated utterances held out to evaluate retrained models."),
    ] = 0.2,
    tolerance: Annotated[
        float,
        typer.Option(
            help="How much worse a retrained model may score and still be promoted."),
    ] = 0.0,
    db: DbOption = None,
) -> None:
    """Serve the review web app (log in with a coder made by `combcoder coder add`)."""
    from ..review import check_installed

    check_installed()
    from ..review.app import ReviewSettings, serve as run_server

    typer.echo(f"review app on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    run_server(db, host, port, ReviewSettings(secure_cookies=secure_cookies, retrain_config=retrain_config,
                                              retrain_options={"holdout": holdout, "tolerance": tolerance}))


@annotations_app.command("import")
def annotations_import(
    file: Annotated[Path, typer.Argument(
        help='JSONL: {"id" (or "utterance", or "doc"+"start"+"end"), "domain", "polarity", "memo"?} per line.')],
    coder: Annotated[str, typer.Option(help="The coder whose decisions these are.")],
    project: ProjectOption = None,
    adjudicate: Annotated[
        bool,
        typer.Option(
            help="Record the lines as adjudicated labels (the coder must be an admin)."),
    ] = False,
    mode: Annotated[
        str,
        typer.Option(
            help="How the codes were made: blind (without suggestions) or assisted."),
    ] = "blind",
    db: DbOption = None,
) -> None:
    """Append a coder's decisions from a file; nothing is written if any line is bad."""
    from ..store import import_annotations

    with _store(db) as store:
        summary = import_annotations(store, project, file, coder, adjudicate=adjudicate, mode=mode)
    typer.echo(f"{summary.lines} lines: {summary.added} annotations added, {summary.unchanged} unchanged")


@annotations_app.command("export")
def annotations_export(
    project: ProjectOption = None,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", "-o",
            help="Output JSONL file (default: standard output)."),
    ] = None,
    coder: Annotated[
        Optional[str],
        typer.Option(
            help="Only this coder's decisions (one file per coder feeds `combcoder agree`)."),
    ] = None,
    all_rows: Annotated[
        bool,
        typer.Option("--all",
            help="Every annotation row (the full history), not just current decisions."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write each coder's current decision per utterance (or the full history) as JSONL."""
    from ..store import export_annotations

    with _store(db) as store:
        if out is None:
            n = export_annotations(store, project, sys.stdout, coder=coder, all_rows=all_rows)
        else:
            with open(out, "w", encoding="utf-8") as f:
                n = export_annotations(store, project, f, coder=coder, all_rows=all_rows)
    typer.echo(f"exported {n} annotations" + (f" to {out}" if out else ""), err=True)


@app.command()
def retrain(
    project: ProjectOption = None,
    config: Annotated[
        Optional[Path],
        typer.Option(
            help="Training config (default configs/train/default.yaml)."),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            help="Share of annotated utterances held out (by a stable hash) to evaluate on."),
    ] = 0.2,
    tolerance: Annotated[
        float,
        typer.Option(
            help="How much worse (macro-F1, polarity accuracy) the new model may be and still be promoted."),
    ] = 0.0,
    promote: Annotated[bool, typer.Option(help="Promote the new model if it is not worse.")] = True,
    refresh: Annotated[
        bool,
        typer.Option("--suggest/--no-suggest",
            help="After promotion, store the new model's suggestions."),
    ] = True,
    device: Annotated[Optional[str], typer.Option(help="cpu | cuda (default: cuda when present).")] = None,
    db: DbOption = None,
) -> None:
    """Train a fresh model on seed data plus human annotations; promote it only if it is not worse."""
    from ..retrain import retrain as run_retrain

    with _store(db) as store:
        report = run_retrain(store, project, config=config, holdout=holdout, tolerance=tolerance, promote=promote,
                             refresh_suggestions=refresh, device=device,
                             log=lambda line: typer.echo(line, err=True))
    typer.echo(report.summary())
