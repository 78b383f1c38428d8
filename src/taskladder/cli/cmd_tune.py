"""`taskladder tune`: LoRA-tune a local model on a task's train split (or a chat JSONL) into
``local/NAME``; the run is stored with its lineage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..tune import TuneConfig, pairs_from_jsonl, pairs_from_task
from ..tune import tune as run_tune
from ..tune.data import check_enough, pair_for
from ..tune.record import store_tune_run
from ..tune.replay_file import effective_replay_ratio, read_general
from ..tune.train import truncated_note
from .app import app, print_json
from .common import load_task_arg, settings_of, store_of
from .distill_step import compare_on_test, distill_for_tune


def _progress(event: dict[str, Any]) -> None:
    if "truncated" in event:
        sys.stderr.write(f"warning: {truncated_note(event)}; raise it with --max-length\n")
    elif "epoch_done" in event:
        sys.stderr.write(f"\nepoch {event['epoch_done']}: dev loss {event['dev_loss']:.4f}\n")
    else:
        done = event["step"] / event["total"]
        bar = "#" * int(done * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {event['step']}/{event['total']} epoch {event['epoch']} "
            f"loss {event['loss']:.4f} ETA {event['eta_s']:.0f}s "
        )
    sys.stderr.flush()


@app.command()
def tune(
    ctx: typer.Context,
    task_path: Annotated[Path, typer.Argument(help="task.yaml (its train split is the training data)")],
    name: Annotated[str, typer.Option("--name", help="the tuned model's name: it loads as -m local/NAME")],
    base: Annotated[str, typer.Option("--base", help="the local model to tune")] = "local/smollm2",
    train_file: Annotated[
        Optional[Path],
        typer.Option(
            "--train-file", help="chat JSONL to train on instead of the task's train split (as `export` writes)"
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 2,
    lr: Annotated[float, typer.Option(min=0.0)] = 1e-3,
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
    rank: Annotated[int, typer.Option("--rank", min=1, help="LoRA rank")] = 16,
    max_length: Annotated[
        int,
        typer.Option(
            "--max-length",
            min=16,
            help="tokens per training row; a longer prompt loses its start (a warning says how many)",
        ),
    ] = 512,
    limit: Annotated[Optional[int], typer.Option(help="train on the first N rows only")] = None,
    seed: int = 0,
    replay_ratio: Annotated[
        Optional[float],
        typer.Option(
            "--replay-ratio",
            min=0.0,
            help="general-data replay: R "
            "rows per training row (default 0, or 0.25 with "
            "--replay-file); without --replay-file, the base model's "
            "own answers to packaged general prompts",
        ),
    ] = None,
    replay_file: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--replay-file",
            help="your general examples for "
            "replay (keeps the model from forgetting everything "
            'but the task): chat JSONL ({"messages": [...]}) or '
            'instruction JSONL ({"instruction", "input", '
            '"output"}); a folder means its *.jsonl; '
            "repeatable",
        ),
    ] = None,
    threads: Annotated[
        Optional[int], typer.Option("--threads", min=1, help="torch threads (default: all cores this process may use)")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an existing local/NAME")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    teacher: Annotated[
        Optional[Path],
        typer.Option(
            "--teacher",
            help="distil: a pipeline.yaml that labels the task's `unlabeled:` inputs; its answers are added to train",
        ),
    ] = None,
    models: Annotated[Optional[Path], typer.Option("--models", help="models.yaml for the teacher")] = None,
    min_confidence: Annotated[
        Optional[float],
        typer.Option("--min-confidence", min=0.0, max=1.0, help="keep teacher answers at or above this confidence"),
    ] = None,
    keep_rationales: Annotated[
        bool, typer.Option("--keep-rationales", help="train on the teacher's reasoning too (a reasoning: true teacher)")
    ] = False,
    distill_out: Annotated[
        Optional[Path],
        typer.Option(
            "--distill-out", help="where the distilled training file goes (default: TASKLADDER_HOME/distill/NAME.jsonl)"
        ),
    ] = None,
    label_only: Annotated[
        bool,
        typer.Option(
            "--label-only", help="with --teacher: write the training file and stop (e.g. for `finetune submit`)"
        ),
    ] = False,
) -> None:
    """LoRA fine-tuning (loss on answers only, dev early stopping, resumable) into local/NAME."""

    settings = settings_of(ctx)
    task = load_task_arg(task_path)
    if teacher is not None and not train_file:  # few gold rows is why one distils: counted with the teacher's
        train = [pair_for(task, e) for e in task.train]
    else:
        train = pairs_from_jsonl(train_file) if train_file else pairs_from_task(task, "train")
    if limit is not None:
        train = train[:limit]
        check_enough(train, f"--limit {limit}")
    distilled: dict[str, Any] = {}
    if teacher is not None:  # distillation: the teacher's answers on unlabeled inputs join the gold pairs
        train, distilled, out = distill_for_tune(
            ctx, task, train, teacher, models, name, min_confidence, keep_rationales, distill_out, as_json
        )
        if label_only:
            if as_json:
                print_json({"distill": distilled})
            else:
                typer.echo(
                    f"training file: {out} (train on it: taskladder tune {task_path} --name {name} --train-file {out})"
                )
            return
    dev = [pair_for(task, e) for e in task.dev]
    files = [str(p) for p in replay_file or []]
    ratio = effective_replay_ratio(replay_ratio, bool(files))
    cfg = TuneConfig(
        base=base,
        name=name,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        rank=rank,
        max_length=max_length,
        seed=seed,
        replay_ratio=ratio,
        replay_files=files,
        threads=threads,
    )
    pool = len(read_general([Path(f) for f in files])) if files else 0  # a bad file fails before the model loads
    if ratio and not as_json:
        n = round(ratio * len(train))
        sys.stderr.write(
            f"replay: {n} rows drawn from the {pool} general examples in {', '.join(files)}\n"
            if files
            else f"replay: {base} answers general prompts for {n} replay rows (cached after the first run)\n"
        )
    result = run_tune(train, dev, cfg, settings.home, progress=None if as_json else _progress, overwrite=overwrite)
    lineage = {**result.lineage(), **({"distill": distilled} if distilled else {})}
    store = store_of(ctx)
    if overwrite:  # cached answers of the replaced weights must not be served for the new ones
        store.clear_cache(model=f"local/{name}")
    run_id = store_tune_run(store, task, lineage)
    comparison = None
    if teacher is not None:  # the student against its teacher on test, with the $/month of each
        comparison = compare_on_test(ctx, task, teacher, models, name, bool(distilled.get("rationales")), as_json)
    if as_json:
        print_json({"run_id": run_id, **lineage, **({"comparison": comparison} if comparison is not None else {})})
        return
    typer.echo(
        f"\ntuned local/{name} in {result.wall_s:.0f}s ({result.steps} steps, best epoch "
        f"{result.best_epoch}, dev losses {[round(x, 4) for x in result.dev_losses]}) -> {result.path}"
    )
    typer.echo(f"evaluate it: taskladder eval {task_path} -m local/{name}")
