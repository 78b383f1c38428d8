"""A Rich progress bar on stderr: done/total, ETA, cost so far, cached calls and errors."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from ..money import usd
from .calls import RunStats


class _Null:
    def advance(self, n: int = 1) -> None: ...


@contextmanager
def progress_bar(description: str, total: int, stats: RunStats, enabled: bool = True) -> Iterator:
    if not enabled or total == 0:
        yield _Null()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class _Stats(TextColumn):
        def render(self, task):  # noqa: D102 - rich column protocol
            from rich.text import Text

            unknown = "+?" if stats.unknown_cost_calls else ""
            return Text(
                f"{usd(stats.spent_usd)}{unknown} spent · {stats.cached_calls} cached · "
                f"{stats.errors} errors · {stats.retries} retries",
                style="dim",
            )

    console = Console(file=sys.stderr)
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("eta"), TimeRemainingColumn(), _Stats(""), console=console, transient=False,
        refresh_per_second=4,
    )
    with bar:
        task_id = bar.add_task(description, total=total)

        class _Handle:
            def advance(self, n: int = 1) -> None:
                bar.advance(task_id, n)

        yield _Handle()


@contextmanager
def status_line(text: str, enabled: bool = True) -> Iterator[None]:
    """A spinner on stderr for work without a countable total (fitting a baseline)."""
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(file=sys.stderr).status(text):
        yield
