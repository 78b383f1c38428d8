"""`taskladder eval`: evaluate models and baselines on a task split."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..baselines import BASELINE_NAMES
from ..baselines.registry import missing_extra
from ..errors import ConfigError
from ..models.config import load_models
from ..money import usd
from ..pipeline import DemoSpec, PipelineSpec, load_pipeline
from ..runner import evaluate
from .app import app, print_json
from .common import (
    ADDRESS_OPTION,
    BACKEND_OPTION,
    DEDUPE_HELP,
    backend_scope,
    failed_runs_error,
    load_task_arg,
    overlap_note,
    print_leaderboard,
    run_json,
    settings_of,
    store_of,
)
from .dry_run import dry_run, print_dry_run


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    task_file: Path = typer.Argument(..., help="Task YAML."),
    model: List[str] = typer.Option([], "--model", "-m", help="Model name (models.yaml, LiteLLM string or baseline/...); repeatable. 'baseline/all' runs every offline baseline."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml with named model configs."),
    pipeline_file: Optional[Path] = typer.Option(None, "--pipeline", help="A pipeline spec (YAML/JSON) to rerun."),
    split: str = typer.Option("dev", "--split", help="dev or test (train for diagnostics)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N examples of the split."),
    shots: int = typer.Option(0, "--shots", min=0, help="k-shot demos drawn from train (stratified for labels)."),
    demo_strategy: Optional[str] = typer.Option(None, "--demos", help="Demo selection: random, stratified, bm25, embedding, mmr, fusion."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", min=1, help="Concurrent calls per model."),
    metric: Optional[str] = typer.Option(None, "--metric", help="Override the task's metric."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    dedupe_splits: bool = typer.Option(False, "--dedupe-splits", help=DEDUPE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the planned messages and the calls and estimated cost of the split; send nothing, store no run."),
    dry_run_limit: int = typer.Option(3, "--dry-run-limit", min=0, help="With --dry-run: print the messages of the first N examples."),
    max_error_rate: Optional[float] = typer.Option(None, "--max-error-rate", min=0.0, max=1.0, help="A run with a larger share of errored examples fails (exit 3); default 0.1 or TASKLADDER_MAX_ERROR_RATE."),
    backend: str = BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Evaluate one or more models on a task split, with intervals, cost and latency."""

    scope = backend_scope(backend, address)
    task = load_task_arg(task_file, data_dir, dedupe=dedupe_splits or None)
    models = load_models(models_file)
    specs: list[PipelineSpec] = []
    if pipeline_file:
        specs.append(load_pipeline(pipeline_file))
    names = [n for m in model for n in (_runnable_baselines(BASELINE_NAMES) if m == "baseline/all" else [m])]
    for name in names:
        demos = None
        if shots and not name.startswith("baseline/"):
            has_label = any(o.type == "label" for o in task.spec.outputs.values())
            demos = DemoSpec(strategy=demo_strategy or ("stratified" if has_label else "random"), k=shots)
        specs.append(PipelineSpec(model=name, demos=demos))
    if not specs:
        raise ConfigError("say what to evaluate: --model NAME (repeatable) or --pipeline SPEC.yaml")

    store = store_of(ctx)
    if dry_run:
        _print_dry_runs(task, specs, split, limit, models, store, dry_run_limit, as_json)
        return
    threshold = settings_of(ctx).max_error_rate if max_error_rate is None else max_error_rate
    results = []
    with scope:
        for spec in specs:
            result = evaluate(task, spec, split=split, limit=limit, models=models, store=store,
                              concurrency=concurrency, progress=not quiet and not as_json, metric=metric,
                              max_error_rate=threshold)
            results.append(run_json(result.run, task.name) | {"label": result.run.label or spec.label(), "split_overlap": task.overlap.as_dict()})
    if as_json:
        print_json(results[0] if len(results) == 1 else {"runs": results})
    else:
        print_leaderboard(results, f"{task.name} · {split} · {results[0]['metric']}")

        spent = sum(r["cost_usd_spent"] or 0 for r in results)
        typer.echo(f"spent this run: {usd(spent)} · runs stored in {store.path}{overlap_note(task)}")
    failure = failed_runs_error(results)
    if failure is not None:
        raise failure


def _runnable_baselines(names) -> list[str]:
    """``baseline/all``: the baselines this install can run; the rest named with their extra."""

    needs = {name: missing_extra(name) for name in names}
    for hint in sorted({h for h in needs.values() if h}):
        skipped = ", ".join(n for n, h in needs.items() if h == hint)
        typer.echo(f"skipping {skipped}: needs {hint}", err=True)
    return [n for n, hint in needs.items() if not hint]


def _print_dry_runs(task, specs, split, limit, models, store, show, as_json) -> None:

    plans = [dry_run(task, spec, split=split, limit=limit, models=models, store=store, show=show) for spec in specs]
    if as_json:
        print_json(plans[0] if len(plans) == 1 else {"dry_run": True, "runs": plans})
        return
    typer.echo("dry run: nothing is sent and no run is stored", err=True)
    for result in plans:
        print_dry_run(result)
