"""Command-line entry point: a thin layer over the library API.

Command modules register themselves on ``app`` when imported; ``main`` turns user errors
(``TaskladderError``) into one line and exit code 2, never a traceback.
Command modules import at top only what ``--help`` loads anyway (errors, settings, cli); each command
imports its domain packages in its body, since loading them all would triple ``--help`` time (issue 20).
"""

from __future__ import annotations

import sys

from ..errors import TaskladderError

# One module per command group; each registers its commands on `app` at import.
from . import (  # noqa: E402,F401
    cmd_arena,
    cmd_cache,
    cmd_climb,
    cmd_eval,
    cmd_guard,
    cmd_init,
    cmd_models,
    cmd_plugins,
    cmd_rank,
    cmd_report,
    cmd_runs,
    cmd_serve,
    cmd_steps,
    cmd_synth,
    cmd_tune,
    cmd_validate,
)
from .app import app

RESUME_HINT = "interrupted: finished calls are saved; rerun the same command to resume"


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is behind ``exc``: Typer turns Ctrl-C into a silent exit 130."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def main() -> None:
    try:
        app(standalone_mode=True)
    except TaskladderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print(RESUME_HINT, file=sys.stderr)
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130 and _interrupted(exc):
            print(RESUME_HINT, file=sys.stderr)
        raise
