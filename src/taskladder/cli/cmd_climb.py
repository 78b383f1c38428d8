"""`taskladder climb`: the main job — baselines, then every model up the ladder, within a budget."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .app import app, print_json


@app.command("climb")
def climb_command(
    ctx: typer.Context,
    task_file: Path = typer.Argument(..., help="Task YAML."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml; every model in it climbs unless --model is given."),
    model: List[str] = typer.Option([], "--model", "-m", help="Only these models (repeatable)."),
    budget: Optional[float] = typer.Option(None, "--budget", min=0.0, help="Hard cap in USD on what this climb may spend."),
    split: str = typer.Option("dev", "--split", help="Split the rungs are compared on."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N examples of each split."),
    shots: int = typer.Option(8, "--shots", min=1, help="k for the few-shot and nearest-neighbour rungs."),
    rungs: Optional[str] = typer.Option(None, "--rungs", help="Comma-separated subset of rungs to climb."),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="Skip the offline baselines."),
    no_test: bool = typer.Option(False, "--no-test", help="Do not confirm the recommendation on the test split."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for pipeline.yaml, climb.json and report.html (default: taskladder-out/TASK)."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Climb the ladder on your task and recommend the cheapest pipeline that is not significantly worse than the best."""
    import json

    from ..errors import ConfigError
    from ..ladder import LadderOptions, climb, rung_names
    from ..models.config import load_models
    from ..report import write_report
    from .common import load_task_arg, store_of

    task = load_task_arg(task_file, data_dir)
    models = load_models(models_file)
    names = list(model) or list(models)
    options = LadderOptions(shots=shots)
    if rungs:
        chosen = tuple(r.strip() for r in rungs.split(",") if r.strip())
        known = rung_names(selectable=True)
        unknown = [r for r in chosen if r not in known]
        if unknown:
            raise ConfigError(f"unknown rung(s) {unknown}; choose from {', '.join(known)}")
        options.rungs = chosen
    out_dir = out or Path("taskladder-out") / task.name
    store = store_of(ctx)
    result = climb(task, names, models, budget_usd=budget, split=split, limit=limit, options=options, store=store,
                   baselines=[] if no_baselines else None, out_dir=out_dir, progress=not quiet and not as_json,
                   confirm_on_test=not no_test)
    runs = [run for run in (store.get_run(r) for r in result.run_ids) if run is not None]
    payload = result.model_dump()
    out_dir.mkdir(parents=True, exist_ok=True)  # also when nothing could run and no spec was written
    (out_dir / "climb.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    if runs:
        report = write_report([(r, store.get_records(r.run_id)) for r in runs], out_dir / "report.html",
                              title=f"taskladder climb — {task.name}", task_spec=task.spec)
        payload["report_path"] = str(report)
    if as_json:
        print_json(payload)
    else:
        _print_climb(result, payload.get("report_path"))


def _priced(row) -> bool:
    """A row with a price per call: a run, or a model that could not be called (projected)."""
    return row.status == "ran" or row.cost_per_1k_calls is not None


def _print_climb(result, report_path) -> None:
    from rich.console import Console
    from rich.table import Table

    from .common import money, pct

    console = Console(width=max(Console().width, 140))
    table = Table(title=f"{result.task} · ladder on {result.split}", title_justify="left", pad_edge=False)
    for col in ("model", "rung", "status", "score", "95% CI", "$/1k calls", "$/month", "est. cost", "spent"):
        table.add_column(col, justify="left" if col in ("model", "rung", "status") else "right", no_wrap=True)
    for r in result.rungs:
        status = r.status + (" ★" if r.pareto else "")
        ci = f"{pct(r.ci_low)}–{pct(r.ci_high)}" if r.score is not None else ""
        table.add_row(r.model, r.rung, status, pct(r.score) if r.score is not None else "", ci,
                      money(r.cost_per_1k_calls) if _priced(r) else "",
                      money(r.projected_monthly_usd) if _priced(r) else "",
                      money(r.estimated_cost_usd), money(r.cost_usd_spent) if r.status == "ran" else "")
    console.print(table)
    console.print("★ = on the Pareto frontier of quality vs cost per 1k calls", style="dim")
    said: set[tuple[str, str, str]] = set()
    for r in result.rungs:  # one line per model and reason, not one per rung
        if r.status != "ran" and r.reason and (r.model, r.status, r.reason) not in said:
            said.add((r.model, r.status, r.reason))
            rungs = [x.rung for x in result.rungs if (x.model, x.status, x.reason) == (r.model, r.status, r.reason)]
            console.print(f"  {r.model} ({', '.join(rungs)}): {r.status} — {r.reason}", style="dim")
    rec = result.recommendation
    if rec:
        console.print(f"\n[bold]Recommendation:[/] {rec['model']} · {rec['rung']} — score {pct(rec['score'])} "
                      f"[{pct(rec['ci_low'])}–{pct(rec['ci_high'])}], {money(rec['cost_per_1k_calls'], 3)} per 1k calls, "
                      f"{money(rec['projected_monthly_usd'], 2)}/month (cheapest not significantly worse than the best)")
    if result.test:
        t = result.test
        if t.get("status") == "ran":
            console.print(f"Confirmed on test: {pct(t['score'])} [{pct(t['ci_low'])}–{pct(t['ci_high'])}] on {t['n']} examples")
        else:
            console.print(f"Test confirmation not run: {t.get('reason')}")
    budget = f" of {money(result.budget_usd)}" if result.budget_usd is not None else ""
    console.print(f"Spent this climb: {money(result.spent_usd)}{budget}")
    if result.pipeline_path:
        console.print(f"Pipeline spec: {result.pipeline_path}  (rerun: taskladder eval TASK --pipeline {result.pipeline_path})")
    if report_path:
        console.print(f"Report: {report_path}")
