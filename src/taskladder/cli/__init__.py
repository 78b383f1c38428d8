"""Command-line entry point: a thin layer over the library API.

Command modules register themselves on ``app`` when imported, and ``lazy.py`` imports one only
when its command runs; ``main`` turns user errors (``TaskladderError``) into one line and exit
code 2, never a traceback.
"""

from __future__ import annotations

import sys

from ..errors import TaskladderError
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
