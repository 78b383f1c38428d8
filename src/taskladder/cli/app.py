"""The Typer application object shared by every command module.

Each command lives in its own module under ``taskladder.cli``, imported only when that command
runs (``lazy.py``), so ``taskladder --help`` starts fast.

The app callback reads the environment once per invocation into a ``Settings`` object on the
Typer context (``ctx.obj``); commands take it from there (``settings_of(ctx)``) and open the
store through it, so no command reads ``TASKLADDER_HOME`` itself.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from .. import __version__
from ..redaction import redact_text
from .lazy import LazyGroup

app = typer.Typer(
    name="taskladder",
    cls=LazyGroup,
    help="Evaluate every reasonable option on your own task, and climb a ladder of techniques, cheapest first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"taskladder {__version__}")
        raise typer.Exit()


@app.callback()
def _build_settings(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    # Here, not at the top: `taskladder --help` never runs this callback, and skips pydantic's import (issue 20).
    from ..settings import Settings

    ctx.obj = Settings.from_env()


def print_json(obj: Any) -> None:
    """Machine-readable output goes to stdout alone; progress and logs go to stderr."""
    sys.stdout.write(redact_text(json.dumps(obj, indent=2, default=str, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, no traceback, a non-zero exit code."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
