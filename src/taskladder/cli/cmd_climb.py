"""`taskladder climb`: the main job — baselines, then every model up the ladder, within a budget."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError
from ..ladder import LadderOptions, climb, rung_names
from ..models.config import load_models
from ..redaction import redact_text
from ..report import write_report
from ..report.plans import plan_runs
from .app import app, print_json
from .common import (
    ADDRESS_OPTION,
    BACKEND_OPTION,
    DEDUPE_HELP,
    backend_scope,
    comma_list,
    load_task_arg,
    money,
    pct,
    settings_of,
    store_of,
)


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
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for pipeline.yaml, climb.json and report.html (default: taskladder-out/TASK)."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    dedupe_splits: bool = typer.Option(False, "--dedupe-splits", help=DEDUPE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    general: Optional[Path] = typer.Option(None, "--general", help="General set for the embed-tuned and mix rungs: CSV sentence1,sentence2,score (e.g. STS-B dev) for encoders, or JSONL instruction rows (instruction/input/output, or a folder of them) for a fine-tuned local LLM; what the narrow gain cost is scored on it."),
    general_limit: Optional[int] = typer.Option(None, "--general-limit", min=1, help="Only the first N pairs of --general."),
    mix_delta: float = typer.Option(0.5, "--mix-delta", min=0.0, help="mix rung: allowed drop of the general score (Spearman x100) below the original model's."),
    mix_nll_delta: float = typer.Option(0.05, "--mix-nll-delta", min=0.0, help="mix rung, fine-tuned local LLMs: allowed rise of general NLL (nats per token) above the original model's."),
    max_error_rate: Optional[float] = typer.Option(None, "--max-error-rate", min=0.0, max=1.0, help="A rung whose share of errored or unparseable examples is larger is dropped; default 0.1 or TASKLADDER_MAX_ERROR_RATE."),
    backend: str = BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Climb the ladder on your task and recommend the cheapest pipeline that is not significantly worse than the best."""

    scope = backend_scope(backend, address)
    task = load_task_arg(task_file, data_dir, dedupe=dedupe_splits or None)
    models = load_models(models_file)
    names = list(model) or list(models)
    options = LadderOptions(shots=shots, max_error_rate=settings_of(ctx).max_error_rate
                            if max_error_rate is None else max_error_rate,
                            general_set=str(general) if general else None, general_limit=general_limit,
                            mix_delta=mix_delta, mix_nll_delta=mix_nll_delta)
    if rungs:
        chosen = tuple(comma_list(rungs))
        known = rung_names(selectable=True)
        unknown = [r for r in chosen if r not in known]
        if unknown:
            raise ConfigError(f"unknown rung(s) {unknown}; choose from {', '.join(known)}")
        options.rungs = chosen
    out_dir = out or Path("taskladder-out") / task.name
    store = store_of(ctx)
    with scope:  # every rung's calls go through one pool of workers
        result = climb(task, names, models, budget_usd=budget, split=split, limit=limit, options=options,
                       store=store, baselines=[] if no_baselines else None, out_dir=out_dir,
                       progress=not quiet and not as_json, confirm_on_test=not no_test)
    runs = [run for run in (store.get_run(r) for r in result.run_ids) if run is not None]
    payload = result.model_dump()
    if result.pipeline_path:
        payload["rerun_command"] = rerun_command(task_file, result.pipeline_path, models_file=models_file,
                                                 data_dir=data_dir, split=split, limit=limit)
    payload["split_overlap"] = task.overlap.as_dict()  # for the report and readers of climb.json
    out_dir.mkdir(parents=True, exist_ok=True)  # also when nothing could run and no spec was written
    (out_dir / "climb.json").write_text(redact_text(json.dumps(payload, indent=2, default=str)), encoding="utf-8")
    if runs:
        pairs = [(r, store.records_of(r.run_id)) for r in runs]
        report = write_report(pairs, out_dir / "report.html", title=f"taskladder climb — {task.name}",
                              task_spec=task.spec, climb=payload, messages=plan_runs(pairs, task, models, store))
        payload["report_path"] = str(report)
    if as_json:
        print_json(payload)
    else:
        _print_climb(result, payload.get("report_path"), payload.get("rerun_command"))
        if task.overlap.total:
            typer.echo(task.overlap.describe())


def rerun_command(task_file: Path, pipeline_path: str, *, models_file: Path | None, data_dir: Path | None,
                  split: str, limit: int | None) -> str:
    """The `eval` command that reruns the recommended pipeline as the climb ran it: same task
    file, models file, data folder, split and limit, so it replays from the call cache.
    Every argument is shell-quoted: the line is meant to be pasted as it is."""

    args = ["taskladder", "eval", str(task_file), "--pipeline", pipeline_path]
    if models_file is not None:
        args += ["--models", str(models_file)]
    if data_dir is not None:
        args += ["--data", str(data_dir)]
    if split != "dev":
        args += ["--split", split]
    if limit is not None:
        args += ["--limit", str(limit)]
    return shlex.join(args)


def _priced(row) -> bool:
    """A row with a price per call: a run, or a model that could not be called (projected)."""
    return row.status == "ran" or row.cost_per_1k_calls is not None


def _print_climb(result, report_path, rerun: str | None) -> None:
    recall = any(r.retrieval_recall_at_k is not None for r in result.rungs)  # a column only where retrieval ran
    general = any(r.general_score is not None for r in result.rungs)  # a column only where a general set was scored
    console = Console(width=max(Console().width, 150 if recall or general else 140))
    table = Table(title=f"{result.task} · ladder on {result.split}", title_justify="left", pad_edge=False)
    for col in ("model", "rung", "status", "score", "n", "95% CI", *(("recall@k",) if recall else ()),
                *(("general",) if general else ()), "$/1k calls",
                "$/month", "est. cost", "spent"):
        table.add_column(col, justify="left" if col in ("model", "rung", "status") else "right", no_wrap=True)
    for r in result.rungs:
        status = r.status + (" ★" if r.pareto else "")
        ci = f"{pct(r.ci_low)}–{pct(r.ci_high)}" if r.score is not None else ""
        # n: a model with models.yaml climb.limit is scored on a subsample, and the column says so
        table.add_row(r.model, r.rung, status, pct(r.score) if r.score is not None else "",
                      str(r.n) if r.n is not None else "", ci,
                      *((pct(r.retrieval_recall_at_k) if r.retrieval_recall_at_k is not None else "",) if recall else ()),
                      *((f"{r.general_score:.2f}" if r.general_score is not None else "",) if general else ()),
                      money(r.cost_per_1k_calls) if _priced(r) else "",
                      money(r.projected_monthly_usd) if _priced(r) else "",
                      money(r.estimated_cost_usd), money(r.cost_usd_spent) if r.status in ("ran", "failed") else "")
    console.print(table)
    console.print("★ = on the Pareto frontier of quality vs cost per 1k calls", style="dim")
    said: set[tuple[str, str, str | None, str | None]] = set()
    for r in result.rungs:  # one line per model and reason, not one per rung
        # escaped: a provider's message may hold "[redacted]" or other brackets rich would eat
        why = (r.model, r.status, r.skip_reason, r.reason)
        if r.status != "ran" and (r.skip_reason or r.reason) and why not in said:
            said.add(why)
            rungs = [x.rung for x in result.rungs if (x.model, x.status, x.skip_reason, x.reason) == why]
            detail = " — ".join(dict.fromkeys(t for t in (r.skip_reason, r.reason) if t))  # each said once
            console.print(f"  {r.model} ({', '.join(rungs)}) {'dropped' if r.status == 'failed' else 'not run'}, {r.status}: {escape(detail)}", style="dim")
    for r in result.rungs:  # a tuned model's one-off training, which its $/1k and $/month already spread
        if (r.training_cost_usd is not None or (r.general_score is not None and r.rung != "baseline")) and r.reason:
            console.print(f"  {r.model} ({r.rung}): {escape(r.reason)}", style="dim")
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
            console.print(f"Test confirmation {'failed' if t.get('status') == 'failed' else 'not run'}: "
                          f"{escape(str(t.get('reason')))}")
    budget = f" of {money(result.budget_usd)}" if result.budget_usd is not None else ""
    console.print(f"Spent this climb: {money(result.spent_usd)}{budget}")
    if result.pipeline_path:
        console.print(f"Pipeline spec: {result.pipeline_path}")
    if rerun:
        # Printed raw (no markup, no wrapping), so it can be copied and pasted as it is.
        console.print("Rerun it with:", rerun, markup=False, highlight=False, soft_wrap=True)
    if report_path:
        console.print(f"Report: {report_path}")
