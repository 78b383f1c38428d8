"""`taskladder optimize`: automatic prompt search (instructions × demo sets) under a hard budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from ..models.config import load_models
from ..optimize import OptimizeOptions, optimize
from ..redaction import redact_text
from ..report import write_report
from ..report.sections.prompt_search import trajectory_svg
from .app import app, print_json
from .common import DEDUPE_HELP, comma_list, load_task_arg, money, pct, store_of


@app.command("optimize")
def optimize_command(
    ctx: typer.Context,
    task_file: Path = typer.Argument(..., help="Task YAML."),
    model: str = typer.Option(
        ..., "--model", "-m", help="The task model (models.yaml name, LiteLLM string, local/...)."
    ),
    budget: float = typer.Option(
        ...,
        "--budget",
        min=0.0,
        help="Hard cap in USD on search + confirmation, never exceeded (cached calls count at their price).",
    ),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml with named model configs."),
    proposer: Optional[str] = typer.Option(
        None, "--proposer", help="The model that writes candidate instructions (default: the task model)."
    ),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Search rounds (the first pool, then reflective rounds)."),
    proposals: int = typer.Option(4, "--proposals", min=0, help="Instructions proposed per round."),
    minibatch: int = typer.Option(8, "--minibatch", min=1, help="Dev examples at the first successive-halving level."),
    search_limit: Optional[int] = typer.Option(
        None, "--search-limit", min=1, help="Dev examples at the last level (default: all of dev)."
    ),
    shots: int = typer.Option(4, "--shots", min=0, help="Demos per demo set (0: instructions only)."),
    knn_strategies: Optional[str] = typer.Option(
        None,
        "--knn-strategies",
        help="How nearest-neighbour demo sets rank train rows, comma-separated: bm25, embedding, mmr, fusion (default: bm25, plus embedding when the embed extra is installed).",
    ),
    max_calls: Optional[int] = typer.Option(
        None, "--max-calls", min=1, help="Also cap the calls (cached ones counted): a budget for free local models."
    ),
    no_test: bool = typer.Option(False, "--no-test", help="Do not confirm the chosen prompt on test."),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Folder for pipeline.yaml, optimize.json, trajectory.svg and report.html (default: taskladder-out/TASK/optimize).",
    ),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    dedupe_splits: bool = typer.Option(False, "--dedupe-splits", help=DEDUPE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Search instructions and demo sets for MODEL on dev within --budget; confirm the winner on test once."""

    task = load_task_arg(task_file, data_dir, dedupe=dedupe_splits or None)
    models = load_models(models_file)
    options = OptimizeOptions(
        rounds=rounds,
        proposals=proposals,
        minibatch=minibatch,
        search_limit=search_limit,
        shots=shots,
        max_calls=max_calls,
        confirm=not no_test,
        knn_strategies=comma_list(knn_strategies) if knn_strategies is not None else None,
    )
    result = optimize(
        task,
        model,
        budget_usd=budget,
        models=models,
        proposer=proposer,
        store=store_of(ctx),
        options=options,
        progress=not quiet and not as_json,
    )
    out_dir = out or Path("taskladder-out") / task.name / "optimize"
    payload = result.as_json()
    spec_path = result.save(out_dir)
    payload["pipeline_path"] = str(spec_path) if spec_path else None
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = trajectory_svg(payload["trajectory"])
    if svg:
        (out_dir / "trajectory.svg").write_text(svg, encoding="utf-8")
        payload["trajectory_svg"] = str(out_dir / "trajectory.svg")
    store = store_of(ctx)
    # The report's runs: the confirmation on test, else the search's last run (its rows and
    # messages); the "Prompt search" section carries the trajectory and the chosen prompt.
    run_ids = payload["runs"]["confirmation"] or payload["runs"]["search"][-1:]
    runs = [r for r in (store.get_run(i) for i in run_ids) if r is not None]
    if runs:
        report = write_report(
            [(r, store.records_of(r.run_id)) for r in runs],
            out_dir / "report.html",
            title=f"taskladder optimize — {task.name}",
            task_spec=task.spec,
            prompt_search=[payload],
        )
        payload["report_path"] = str(report)
    (out_dir / "optimize.json").write_text(redact_text(json.dumps(payload, indent=2, default=str)), encoding="utf-8")
    if as_json:
        print_json(payload)
    else:
        _print(payload, task_file, models_file)


def _print(p: dict[str, Any], task_file: Path, models_file: Path | None) -> None:
    best, zero, test, spent = p["best"], p["zero_shot"], p["test"], p["spent_usd"]
    typer.echo(
        f"{p['task']} · {p['model']} · proposer {p['proposer']} · {p['candidates_evaluated']} candidates, "
        f"{p['rounds']} round(s)"
    )
    if zero:
        typer.echo(f"zero-shot dev: {pct(zero['dev_score'])} on {zero['dev_examples']} examples")
    if best:
        typer.echo(f"chosen ({best['origin']}) dev: {pct(best['dev_score'])} on {best['dev_examples']} examples")
    if test:
        typer.echo(
            f"chosen on test: {pct(test['score'])} [{pct(test['ci_low'])}, {pct(test['ci_high'])}] n={test['n']}"
        )
    typer.echo(
        f"spent: search {money(spent['search'])} (proposer {money(spent['search_proposer'])}, evaluation "
        f"{money(spent['search_evaluation'])}) + confirmation {money(spent['confirmation'])} = "
        f"{money(spent['total'])} of {money(p['budget_usd'])}"
    )
    if p["stopped"]:
        typer.echo(f"stopped early: {p['stopped']}")
    if p["final_prompt"]:
        typer.echo("final prompt:\n" + p["final_prompt"])
    if p.get("pipeline_path"):
        models = f" --models {models_file}" if models_file else ""
        typer.echo(
            f"pipeline: {p['pipeline_path']} (rerun: taskladder eval {task_file} --pipeline "
            f"{p['pipeline_path']}{models} --split test)"
        )
