"""Title, what was evaluated, and how to read the rest."""

from __future__ import annotations

from datetime import datetime, timezone

from ...task import TaskSpec
from ..fmt import esc
from ..rows import LeaderRow


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def header_html(
    rows: list[LeaderRow], tasks: list[str], title: str | None, task_spec: TaskSpec | None,
    generated: datetime,
) -> str:
    task = task_spec.name if task_spec else ", ".join(dict.fromkeys(tasks)) or "task"
    splits = ", ".join(dict.fromkeys(r.split for r in rows if r.split)) or "—"
    metrics = ", ".join(dict.fromkeys(r.metric for r in rows if r.metric)) or "—"
    stamps = [r.created_at for r in rows if r.created_at > 0]
    ran = ""
    if stamps:
        first, last = _date(min(stamps)), _date(max(stamps))
        ran = f" · runs from <b>{esc(first)}</b>" + (f" to <b>{esc(last)}</b>" if last != first else "")
    volume = ""
    if task_spec is not None:
        volume = f" · volume <b>{task_spec.volume.calls_per_day:,.0f}</b> calls/day"
    meta = (
        f"task <b>{esc(task)}</b> · split <b>{esc(splits)}</b> · metric <b>{esc(metrics)}</b> · "
        f"<b>{len(rows)}</b> run{'s' if len(rows) != 1 else ''}{volume}{ran} · "
        f"generated {esc(generated.strftime('%Y-%m-%d %H:%M UTC'))}"
    )
    howto = (
        '<div class="howto"><b>How to read this</b><ul>'
        "<li><b>Score</b> is the task metric on the evaluation split; the bracket and the bar "
        "show its 95% confidence interval. Runs whose intervals overlap a lot may not really differ: "
        "evaluate on more examples before choosing between them.</li>"
        "<li><b>Cost per 1k calls</b> is what 1,000 answers cost at list price; <b>projected "
        "monthly</b> applies it to the task's expected volume. <span class=\"unknown\">unknown</span> "
        "means the price is not known, not that it is free. Baselines run without an API and cost $0.</li>"
        '<li><span class="badge pareto">Pareto</span> marks runs that no other run beats on both '
        "score and cost: on these two axes, the only ones worth choosing.</li>"
        "<li>Parse failures and errors are answers that could not be read or calls that failed; "
        "they count as wrong. Cached calls were replayed from the call cache (cost still counted).</li>"
        "</ul></div>"
    )
    heading = esc(title or f"taskladder report — {task}")
    return f"<header><h1>{heading}</h1><p class=\"meta\">{meta}</p>{howto}</header>"
