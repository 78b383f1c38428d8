"""`taskladder runs`, `export-records` and `compare`: what is in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, TextIO, cast

import typer

from .app import app, print_json


def get_run_or_fail(store, run_id: str):
    from ..errors import TaskladderError

    run = store.get_run(run_id)
    if run is None:
        raise TaskladderError(f"no run '{run_id}' in {store.path}; list runs with `taskladder runs`")
    return run


@app.command("runs")
def runs_command(
    task: Optional[str] = typer.Option(None, "--task", help="Only runs of this task name."),
    limit: int = typer.Option(30, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List stored runs, newest first."""
    from ..store import Store
    from .common import money, pct

    runs = Store().list_runs(task, limit)
    if as_json:
        print_json({"runs": [r.model_dump() for r in runs]})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(pad_edge=False)
    for col in ("run", "task", "model", "split", "status", "n", "score", "$/1k"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("n", "score", "$/1k") else "left")
    for r in runs:
        s = r.summary
        table.add_row(r.run_id, r.task, r.pipeline.get("rung") and f"{r.model} · {r.pipeline['rung']}" or r.model,
                      r.split, r.status, str(s.get("n", "")), pct(s.get("score")), money(s.get("cost_per_1k_calls"), 3))
    Console(width=max(Console().width, 140)).print(table)


@app.command("export-records")
def export_records(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write; .csv or .jsonl (default: stdout JSONL)."),
) -> None:
    """Export a run's per-example records as JSONL or CSV."""
    import json
    import sys

    from ..store import Store

    store = Store()
    run = get_run_or_fail(store, run_id)
    records = store.get_records(run.run_id)
    if output is not None and output.suffix.lower() == ".csv":
        import csv

        fields = list(records[0].model_dump().keys()) if records else ["run_id"]
        with output.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for r in records:
                row = r.model_dump()
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                                 for k, v in row.items()})
    else:
        stream: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
        for r in records:
            stream.write(r.model_dump_json() + "\n")
        if output:
            stream.close()
    if output:
        typer.echo(f"wrote {len(records)} records of run {run.run_id} to {output}", err=True)


@app.command("compare")
def compare_command(
    run_a: str = typer.Argument(..., help="Baseline run id."),
    run_b: str = typer.Argument(..., help="Candidate run id."),
    method: str = typer.Option("auto", "--method", help="auto, bootstrap or mcnemar."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Paired test of two runs on their shared examples: difference (B − A), interval, p-value."""
    from ..errors import TaskladderError
    from ..metrics import compare_auto, get_metric, paired_compare
    from ..metrics._compare import Method
    from ..store import Store
    from ..task.spec import TaskSpec

    store = Store()
    a, b = get_run_or_fail(store, run_a), get_run_or_fail(store, run_b)
    if a.task != b.task:
        raise TaskladderError(f"runs belong to different tasks ('{a.task}' vs '{b.task}'); compare runs of one task")
    ra = {r.example_id: r for r in store.get_records(a.run_id)}
    rb = {r.example_id: r for r in store.get_records(b.run_id)}
    shared = [k for k in ra if k in rb]
    if not shared:
        raise TaskladderError("the two runs share no examples; evaluate both on the same split")
    metric_name = a.summary.get("metric") or a.metric
    if not a.task_spec:
        raise TaskladderError(f"run {a.run_id} has no stored task spec; rerun it with this version")
    spec = TaskSpec.model_validate(a.task_spec)
    metric = get_metric(metric_name, spec)
    pa, pb = [ra[k].prediction for k in shared], [rb[k].prediction for k in shared]
    exp = [ra[k].expected for k in shared]
    if method == "auto":
        result = compare_auto(metric, pa, pb, exp)
    else:  # paired_compare rejects any other name with a ConfigError that lists the choices
        result = paired_compare(metric, pa, pb, exp, method=cast(Method, method))
    out = {"run_a": a.run_id, "run_b": b.run_id, "model_a": a.model, "model_b": b.model, "metric": metric.name,
           **result.model_dump()}
    if as_json:
        print_json(out)
        return
    verdict = "significant" if result.p_value < 0.05 else "not significant"
    typer.echo(f"{metric.name} on {result.n} shared examples: A={result.score_a:.4f} ({a.model}) "
               f"B={result.score_b:.4f} ({b.model})")
    typer.echo(f"B − A = {result.diff:+.4f}  95% CI [{result.ci_low:+.4f}, {result.ci_high:+.4f}]  "
               f"p = {result.p_value:.4g} ({result.method}; {verdict} at 0.05)")

