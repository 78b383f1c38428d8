"""`taskladder report`: a self-contained HTML report of stored runs."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..errors import TaskladderError
from ..models.config import load_models
from ..report import write_report
from ..report.plans import plan_runs
from ..task import load_task
from ..task.spec import TaskSpec
from .app import app
from .cmd_runs import get_run_or_fail
from .common import store_of


@app.command("report")
def report_command(
    ctx: typer.Context,
    run_ids: List[str] = typer.Argument(None, help="Run ids (default: the latest finished run of each model for --task, or of the latest task)."),
    output: Path = typer.Option(Path("report.html"), "-o", "--out", "--output", help="HTML file to write."),
    task: Optional[str] = typer.Option(None, "--task", help="Report this task's latest runs."),
    split: Optional[str] = typer.Option(None, "--split", help="With --task (or no run ids): report runs on this split (default: the split of the latest run)."),
    title: Optional[str] = typer.Option(None, "--title"),
    messages_task: Optional[Path] = typer.Option(None, "--messages", help="Task YAML: also show the exact messages each run sent for one example (rebuilt from the task's data, nothing called)."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="With --messages: models.yaml the runs' models are named in."),
) -> None:
    """Write an HTML report that opens offline: leaderboard, cost plot, per-label table, worst errors."""

    store = store_of(ctx)
    if run_ids:
        runs = [get_run_or_fail(store, r) for r in run_ids]
    else:
        runs = latest_runs(store, task, split)
        if not runs:
            where = f" on the '{split}' split" if split else ""
            raise TaskladderError(f"no finished runs{where} in {store.path}; run `taskladder eval` first")
    pairs = [(r, store.records_of(r.run_id)) for r in runs]  # streamed: each run read a page at a time
    spec = TaskSpec.model_validate(runs[0].task_spec) if runs[0].task_spec else None
    messages = None
    if messages_task is not None:
        messages = plan_runs(pairs, load_task(messages_task), load_models(models_file), store)
    path = write_report(pairs, output, title=title, task_spec=spec, messages=messages)
    typer.echo(f"wrote {path} ({len(runs)} runs)")


# Failed runs (too many call errors) are reported, marked, so a failure never hides behind
# an older run that happened to finish.
REPORTED = ("finished", "failed")


def latest_runs(store, task: str | None, split: str | None = None):
    """The newest finished (or failed) run per (model, pipeline) of one task on one split (``split``, or
    the latest run's); arena runs hold judgments of other runs, not answers, so they are not
    on the leaderboard."""
    runs = [r for r in store.list_runs(task, limit=500)
            if r.status in REPORTED and r.pipeline.get("kind") != "arena" and (split is None or r.split == split)]
    if not runs:
        return []
    task = task or runs[0].task
    seen, out = set(), []
    for r in runs:
        key = (r.model, r.pipeline.get("rung"), str(r.pipeline.get("demos")), r.split)
        if r.task == task and key not in seen and r.split == runs[0].split:
            seen.add(key)
            out.append(r)
    return out
