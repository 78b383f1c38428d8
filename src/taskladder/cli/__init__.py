"""Command-line entry point: a thin layer over the library API.

Command modules register themselves on ``app`` when imported; ``main`` turns user errors
(``TaskladderError``) into one line and exit code 2, never a traceback.
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


def main() -> None:
    try:
        app(standalone_mode=True)
    except TaskladderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted: finished calls are saved; rerun the same command to resume", file=sys.stderr)
        sys.exit(130)
