"""Assemble the one-file HTML report from runs and their records."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import TaskladderError
from ..redaction import redact_text
from ..store.records import Record, RunInfo
from ..task import TaskSpec
from .climb_view import climb_view
from .digest import digest_runs
from .fmt import esc
from .plans import RunMessages
from .rows import leaderboard
from .sections.cost import cost_html
from .sections.decision import decision_html
from .sections.errors import errors_html
from .sections.general import general_html
from .sections.header import header_html
from .sections.labels import labels_html
from .sections.ladder import ladder_html
from .sections.leaderboard import arena_html, leaderboard_html
from .sections.messages import messages_html
from .sections.prompt_search import prompt_search_html
from .style import CSS

log = logging.getLogger(__name__)

# Each run's records: a list, or a view that reads them from the store afresh each time it is
# iterated (``Store.records_of``), so a million-record run is never all in memory. Each is read once.
Runs = Sequence[tuple[RunInfo, Iterable[Record]]]


def render_report(
    runs: Runs,
    *,
    title: str | None = None,
    task_spec: TaskSpec | None = None,
    arena: list[dict[str, Any]] | None = None,
    generated: datetime | None = None,
    climb: Any = None,
    messages: dict[str, RunMessages] | None = None,
    prompt_search: list[dict[str, Any]] | None = None,
) -> str:
    """The report as one HTML document: inline CSS and SVG, no scripts, no external links.

    ``arena`` (``name, rating, ci_low, ci_high`` dicts) adds a pairwise-ratings table.
    ``generated`` pins the timestamp in the header (for reproducible output).
    ``climb`` (a ``ClimbResult`` or its climb.json) adds what the climb decided and why;
    ``messages`` (``plans.plan_runs``) adds the exact messages of one example per run.
    ``prompt_search`` (optimize summaries; a climb's own are read from ``climb``) adds the
    search's trajectory and chosen prompt.
    """
    if not runs:
        raise TaskladderError("no runs to report: run `taskladder eval` first, or pass run ids")
    rows = leaderboard(runs)
    just_rows = [r for r, _ in rows]
    digested = list(zip(just_rows, digest_runs(rows, task_spec)))
    when = generated or datetime.now(timezone.utc)
    view = climb_view(climb)
    searches = [*(prompt_search or []), *(view.prompt_search if view else [])]
    sections = [
        header_html(just_rows, [info.task for info, _ in runs], title, task_spec, when),
        decision_html(view),
        general_html(view),
        leaderboard_html(just_rows),
        arena_html(arena),
        cost_html(just_rows),
        ladder_html(just_rows),
        prompt_search_html(searches),
        labels_html(digested),
        errors_html(digested),
        messages_html(just_rows, messages),
    ]
    page_title = esc(title or f"taskladder report — {task_spec.name if task_spec else runs[0][0].task}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{page_title}</title><style>{CSS}</style></head><body>"
        + "".join(s for s in sections if s)
        + "</body></html>\n"
    )


def write_report(
    runs: Runs,
    path: str | Path,
    *,
    title: str | None = None,
    task_spec: TaskSpec | None = None,
    arena: list[dict[str, Any]] | None = None,
    climb: Any = None,
    messages: dict[str, RunMessages] | None = None,
    prompt_search: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the report to ``path`` (parent folders created) and return the path."""
    out = Path(path).expanduser()
    html = render_report(runs, title=title, task_spec=task_spec, arena=arena, climb=climb, messages=messages,
                         prompt_search=prompt_search)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(redact_text(html), encoding="utf-8")
    except OSError as exc:
        raise TaskladderError(
            f"{out}: cannot write the report ({exc.strerror}); pick a writable path"
        ) from exc
    log.info("wrote report for %d runs to %s", len(runs), out)
    return out
