"""`taskladder arena`: an LLM judge compares runs pairwise → a Bradley–Terry leaderboard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..arena import judge_runs
from ..errors import TaskladderError
from ..finetune import export_dpo
from ..models.config import load_models, resolve_model
from ..money import usd
from ..rank import LLMJudgePrompt
from ..rank.arena import arena_rows, preference_pairs
from ..report import write_report
from ..runner.calls import ModelCaller
from ..runner.preflight import check_access
from ..task.spec import TaskSpec
from .app import app, print_json
from .cmd_runs import get_run_or_fail
from .common import ADDRESS_OPTION, BACKEND_OPTION, backend_scope, store_of


@app.command("arena")
def arena_command(
    ctx: typer.Context,
    run_ids: List[str] = typer.Argument(..., help="Two or more runs of one task (ids or unique prefixes)."),
    judge: str = typer.Option(..., "--judge", help="Judge model (models.yaml name or LiteLLM string)."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml naming the judge."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Judge only the first N shared examples."),
    rubric: Optional[str] = typer.Option(None, "--rubric", help="Custom rubric (default: one per output type)."),
    judgments_out: Optional[Path] = typer.Option(None, "--save-judgments", help="Write the raw judgments as JSONL (for `taskladder rank`)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write an HTML report with both leaderboards."),
    dpo_out: Optional[Path] = typer.Option(None, "--dpo", help="Folder for DPO preference pairs (train/validation JSONL) built from the consistent wins."),
    as_json: bool = typer.Option(False, "--json"),
    backend: str = BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Judge every pair of runs on their shared examples (both orders) and rank the pipelines."""

    scope = backend_scope(backend, address)
    if len(run_ids) < 2:
        raise TaskladderError("an arena needs at least two runs")
    store = store_of(ctx)
    runs = [get_run_or_fail(store, r) for r in run_ids]
    if len({r.task for r in runs}) > 1:
        raise TaskladderError("the runs belong to different tasks; an arena compares runs of one task")
    spec = TaskSpec.model_validate(runs[0].task_spec) if runs[0].task_spec else None
    out_types = {o.type for o in spec.outputs.values()} if spec else {"text"}
    prompt = LLMJudgePrompt(output_type=out_types.pop() if len(out_types) == 1 else "json",
                            rubric=rubric, instructions=spec.instructions if spec else "")
    cfg = resolve_model(judge, load_models(models_file))
    check_access(cfg)
    caller = ModelCaller(cfg, store)
    pairs = [(r, store.get_records(r.run_id)) for r in runs]
    # A stored run through the run kernel: killed and rerun, it resumes and repays no judge call.
    with scope:
        arena = judge_runs(pairs, caller, prompt, store=store, limit=limit, rubric=rubric, progress=not as_json)
    board, comparisons = arena.board, arena.comparisons
    if judgments_out:
        judgments_out.write_text("".join(json.dumps(c.model_dump(exclude_none=True)) + "\n" for c in comparisons),
                                 encoding="utf-8")
    payload = {**board.to_json(), "judge": cfg.name, "judge_calls": caller.stats.calls,
               "judge_cached_calls": caller.stats.cached_calls, "judge_cost_usd": caller.stats.spent_usd,
               "unparsed_verdicts": arena.unparsed_verdicts, "judge_errors": arena.judge_errors,
               "players": arena.run.pipeline["players"], "run_id": arena.run.run_id}
    if dpo_out:
        wins = preference_pairs(pairs, comparisons, spec)
        if wins:
            exported = export_dpo(wins, dpo_out)
            files = [f for f in (exported.train_path, exported.validation_path) if f]
            payload["dpo"] = {"pairs": len(wins), "files": files}
        else:
            payload["dpo"] = {"pairs": 0, "files": []}
    if report:
        write_report(pairs, report, task_spec=spec, arena=arena_rows(board))
        payload["report_path"] = str(report)
    if as_json:
        print_json(payload)
        return

    table = Table(title=f"arena · judge {cfg.name} · {board.n_items} examples · {board.n_judgments} judgments",
                  title_justify="left")
    for col in ("pipeline", "rating", "95% CI", "rank range"):
        table.add_column(col, justify="left" if col == "pipeline" else "right")
    for r in board.ratings:
        table.add_row(r.name, f"{r.rating:.0f}", f"{r.ci_low:.0f}–{r.ci_high:.0f}", f"{r.rank_low}–{r.rank_high}")
    Console().print(table)
    bias = board.position_bias
    share = "–" if bias.first_slot_share is None else f"{bias.first_slot_share:.0%}"
    flips = "–" if bias.flip_rate is None else f"{bias.flip_rate:.0%}"
    typer.echo(f"judge position bias: first slot wins {share} of decisive verdicts; "
               f"{flips} of verdicts change when the order flips")
    typer.echo(f"judge calls: {caller.stats.calls} new, {caller.stats.cached_calls} cached, {usd(caller.stats.spent_usd)}")
