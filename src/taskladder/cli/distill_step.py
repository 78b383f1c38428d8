"""`tune --teacher PIPELINE`: label the task's unlabeled inputs with the teacher and write the
student's training file (the distillation step before training; see ``taskladder.tune.distill``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..models.config import load_models
from ..money import usd
from ..pipeline.spec import PipelineSpec, load_pipeline
from ..runner.evaluate import evaluate
from ..tune.data import check_enough
from ..tune.distill import distill, label_unlabeled, write_training_file
from .common import print_leaderboard, run_json, settings_of, store_of


def distill_for_tune(ctx: typer.Context, task, gold: list, teacher: Path, models: Path | None, name: str,
                     min_confidence: float | None, keep_rationales: bool, out: Path | None,
                     quiet: bool) -> tuple[list, dict[str, Any], Path]:
    """(the student's training pairs: ``gold`` then the teacher's, their lineage, the training file written)."""

    settings = settings_of(ctx)
    result = label_unlabeled(task, load_pipeline(teacher), load_models(models), store_of(ctx), progress=not quiet,
                             max_error_rate=settings.max_error_rate)
    distilled = distill(task, result, min_confidence=min_confidence, keep_rationales=keep_rationales)
    pairs = [*gold, *distilled.pairs]
    check_enough(pairs, f"task {task.name}: train plus the teacher's kept answers")
    path = write_training_file(pairs, out or settings.home_dir() / "distill" / f"{name}.jsonl")
    if not quiet:
        cost = usd(distilled.teacher_cost_usd) if distilled.teacher_cost_usd is not None else "unknown"
        typer.echo(f"teacher labelled {distilled.labeled} unlabeled inputs (cost {cost}, paid now "
                   f"{usd(distilled.teacher_spent_usd)}); kept {len(distilled.pairs)}, dropped "
                   f"{distilled.dropped_unanswered} unanswered and {distilled.dropped_low_confidence} below "
                   f"--min-confidence; {distilled.rationales} with rationales -> {path}", err=True)
        for note in distilled.notes:
            typer.echo(f"  note: {note}", err=True)
    lineage = {**distilled.lineage(), "gold_pairs": len(gold), "teacher": str(teacher), "training_file": str(path)}
    return pairs, lineage, path


def compare_on_test(ctx: typer.Context, task, teacher: Path, models: Path | None, student: str, reasoning: bool,
                    quiet: bool) -> list[dict[str, Any]]:
    """The student against its teacher on test (score, $/1k calls, $/month), printed unless ``quiet``."""

    if not task.test:
        if not quiet:
            typer.echo("no test split: the student is not compared with its teacher", err=True)
        return []
    rows = []
    for role, spec in (("teacher", load_pipeline(teacher)), ("student", PipelineSpec(model=f"local/{student}",
                                                                                      reasoning=reasoning))):
        result = evaluate(task, spec, split="test", models=load_models(models), store=store_of(ctx), progress=not quiet,
                          max_error_rate=settings_of(ctx).max_error_rate)
        rows.append(run_json(result.run, task.name) | {"label": f"{role}: {spec.label()}", "role": role})
    if not quiet:
        print_leaderboard(rows, f"{task.name} · test · student vs teacher")
    return rows
