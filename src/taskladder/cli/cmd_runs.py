"""`taskladder runs`, `export-records` and `compare`: what is in the store."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Optional, TextIO

import typer
from rich.console import Console
from rich.table import Table

from ..errors import TaskladderError
from ..pipeline import run_label
from ..redaction import redact_text, redact_value
from ..runner.compare import compare_records, split_mismatch
from ..store import SCHEMA_VERSION, Record
from .app import app, print_json
from .common import money, pct, store_of


def get_run_or_fail(store, run_id: str):
    run = store.get_run(run_id)
    if run is None:
        raise TaskladderError(f"no run '{run_id}' in {store.path}; list runs with `taskladder runs`")
    return run


@app.command("runs")
def runs_command(
    ctx: typer.Context,
    task: Optional[str] = typer.Option(None, "--task", help="Only runs of this task name."),
    limit: int = typer.Option(30, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List stored runs, newest first."""

    runs = store_of(ctx).list_runs(task, limit)
    if as_json:
        print_json({"runs": [{**r.model_dump(), "label": r.label or run_label(r)} for r in runs]})
        return

    table = Table(pad_edge=False)
    for col in ("run", "task", "model", "split", "status", "n", "score", "$/1k"):
        # The label names every technique, so it may be long: it wraps, the figures never do.
        table.add_column(col, no_wrap=col != "model", justify="right" if col in ("n", "score", "$/1k") else "left")
    for r in runs:
        s = r.summary
        table.add_row(
            r.run_id,
            r.task,
            r.label or run_label(r),
            r.split,
            "[red]failed[/]" if r.status == "failed" else r.status,
            str(s.get("n", "")),
            pct(s.get("score")),
            money(s.get("cost_per_1k_calls"), 3),
        )
    Console(width=max(Console().width, 140)).print(table)


@app.command("export-records")
def export_records(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--out", "--output", help="File to write; .csv or .jsonl (default: stdout JSONL)."
    ),
) -> None:
    """Export a run's per-example records as JSONL or CSV."""

    store = store_of(ctx)
    run = get_run_or_fail(store, run_id)
    # Streamed: a million-record run is written a page at a time, never held whole.
    records = store.iter_records_ordered(run.run_id)  # by example id (``store.order``)
    written = 0
    if output is not None and output.suffix.lower() == ".csv":
        fields = [*Record.model_fields, "schema_version"]
        with output.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for r in records:
                written += 1
                row = {**r.model_dump(), "schema_version": SCHEMA_VERSION}
                writer.writerow(
                    redact_value(
                        {
                            k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                            for k, v in row.items()
                        }
                    )
                )
    else:
        stream: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
        for r in records:
            written += 1
            # Through pydantic's JSON first: it writes NaN/inf as null, as this export always did.
            row = {**json.loads(r.model_dump_json()), "schema_version": SCHEMA_VERSION}  # which store layout wrote it
            stream.write(redact_text(json.dumps(row, ensure_ascii=False, separators=(",", ":"))) + "\n")
        if output:
            stream.close()
    if output:
        typer.echo(f"wrote {written} records of run {run.run_id} to {output}", err=True)


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    run_a: str = typer.Argument(..., help="Baseline run id."),
    run_b: str = typer.Argument(..., help="Candidate run id."),
    method: str = typer.Option("auto", "--method", help="auto, bootstrap or mcnemar."),
    as_json: bool = typer.Option(False, "--json"),
    force: bool = typer.Option(
        False, "--force", help="Compare runs on different splits anyway (on the examples they share)."
    ),
) -> None:
    """Paired test of two runs on their shared examples: difference (B − A), interval, p-value."""

    store = store_of(ctx)
    a, b = get_run_or_fail(store, run_a), get_run_or_fail(store, run_b)
    if method not in ("auto", "bootstrap", "mcnemar"):
        raise TaskladderError(f"unknown comparison method '{method}'; use auto, bootstrap or mcnemar")
    result = compare_records(a, store.get_records(a.run_id), b, store.get_records(b.run_id), method=method, force=force)  # type: ignore[arg-type]  # checked just above
    mismatch = split_mismatch(a, b)
    out = {
        "run_a": a.run_id,
        "run_b": b.run_id,
        "model_a": a.model,
        "model_b": b.model,
        "metric": a.summary.metric or a.metric,
        "split_a": a.split,
        "split_b": b.split,
        "status_a": a.status,
        "status_b": b.status,
        **result.model_dump(),
    }
    if mismatch:  # only with --force: said on stderr whatever the format, so it is never missed
        out["warning"] = mismatch
        typer.echo(f"WARNING: {mismatch} ({result.n} of them); this is not a comparison of the two runs", err=True)
    if as_json:
        print_json(out)
        return
    for label, run in (("A", a), ("B", b)):
        if run.status == "failed":
            typer.echo(
                f"warning: run {label} ({run.run_id}) FAILED, its score is not a result: {run.summary.failure}",
                err=True,
            )
    verdict = "significant" if result.p_value < 0.05 else "not significant"
    typer.echo(
        f"{out['metric']} on {result.n} shared examples: A={result.score_a:.4f} ({a.model}) "
        f"B={result.score_b:.4f} ({b.model})"
    )
    typer.echo(
        f"B − A = {result.diff:+.4f}  95% CI [{result.ci_low:+.4f}, {result.ci_high:+.4f}]  "
        f"p = {result.p_value:.4g} ({result.method}; {verdict} at 0.05)"
    )
