"""A Rich progress bar on stderr: done/total, ETA, cost so far, cached calls and errors.

At 80 columns Rich squeezes every column that may shrink to "…", so the count, the ETA and
the spend are declared never to shrink; the description is cut with an ellipsis first, and
the bar itself takes only the width left over.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn
from rich.table import Column
from rich.text import Text

from ..money import usd
from .calls import RunStats


class _Null:
    def advance(self, n: int = 1) -> None: ...


@contextmanager
def progress_bar(description: str, total: int, stats: RunStats, enabled: bool = True) -> Iterator:
    if not enabled or total == 0:
        yield _Null()
        return

    console = Console(file=sys.stderr)
    bar = Progress(*bar_columns(stats, console.width), console=console, transient=False, refresh_per_second=4)
    with bar:
        task_id = bar.add_task(description, total=total)

        class _Handle:
            def advance(self, n: int = 1) -> None:
                bar.advance(task_id, n)

        yield _Handle()


def stats_text(stats: RunStats, wide: bool) -> str:
    """Spend always; cache hits, errors and retries when there are any (all of them when wide)."""
    unknown = "+?" if stats.unknown_cost_calls else ""
    parts = [f"{usd(stats.spent_usd)}{unknown} spent"]
    for n, what in ((stats.cached_calls, "cached"), (stats.errors, "errors"), (stats.retries, "retries")):
        if n or wide:
            parts.append(f"{n} {what}")
    return " · ".join(parts)


WIDE = 120  # columns from which the bar shows elapsed time and zero counts too
NARROW_BAR = 10
MAX_BAR = 40


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def bar_columns(stats: RunStats, width: int) -> list:
    """The bar's columns for a terminal ``width`` wide: the description gets what the count,
    ETA and spend leave, so those are never cut."""

    wide = width >= WIDE

    def count(task) -> str:
        total = int(task.total or 0)
        return f"{int(task.completed):>{len(str(total))}}/{total}"

    def tail(task) -> str:
        elapsed = f"{_clock(task.elapsed)} " if wide else ""
        return f"{count(task)} {elapsed}eta {_clock(task.time_remaining)} {stats_text(stats, wide)}"

    def description(task) -> str:
        room = max(8, width - NARROW_BAR - len(tail(task)) - 3)  # 3: two spaces between columns, one margin
        text = str(task.description)
        return text if len(text) <= room else text[: room - 1] + "…"

    class _Description(ProgressColumn):
        def render(self, task):  # noqa: D102 - rich column protocol
            return Text(description(task), style="bold")

    class _Bar(BarColumn):
        def render(self, task):  # noqa: D102 - rich column protocol
            self.bar_width = max(NARROW_BAR, min(MAX_BAR, width - len(description(task)) - len(tail(task)) - 3))
            return super().render(task)

    class _Tail(ProgressColumn):
        max_refresh = 0.5

        def render(self, task):  # noqa: D102 - rich column protocol
            return Text(tail(task))

    return [_Description(table_column=Column(no_wrap=True)),
            _Bar(table_column=Column(no_wrap=True)),
            _Tail(table_column=Column(no_wrap=True))]


@contextmanager
def status_line(text: str, enabled: bool = True) -> Iterator[None]:
    """A spinner on stderr for work without a countable total (fitting a baseline)."""
    if not enabled:
        yield
        return

    with Console(file=sys.stderr).status(text):
        yield
