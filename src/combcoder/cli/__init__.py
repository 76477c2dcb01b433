"""The command line: parse arguments, call one library function, report errors at one boundary.

Each area registers its commands on ``app`` from its own module in this package.
"""

from __future__ import annotations

import sys

import typer

from ..errors import CombcoderError

app = typer.Typer(
    help="Code qualitative transcripts against COM-B: ingest, segment, classify, review, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


from . import agree, batch, core, interop, review  # noqa: E402,F401  (registers the commands)


def main() -> None:
    """Run the CLI; library errors become one message on stderr and exit code 2."""
    try:
        app()
    except CombcoderError as error:
        echo_err(f"error: {error}")
        sys.exit(2)
    except KeyboardInterrupt:
        echo_err("interrupted")
        sys.exit(130)
