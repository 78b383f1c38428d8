"""`taskladder synth` (build a fine-tuning dataset from a recipe) and `taskladder export`
(write an existing synth dataset, or a run's correct records, as fine-tuning files)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError, TaskladderError
from ..models.config import load_models
from ..money import usd
from ..synth.dataset import export_dataset, read_dataset
from ..synth.from_run import run_rows
from ..synth.recipe import ExportSpec, load_recipe
from ..synth.run import run_recipe
from .app import app, fail, print_json
from .common import ADDRESS_OPTION, BACKEND_OPTION, backend_scope, load_task_arg, store_of


class _Format(str, Enum):
    openai_chat = "openai-chat"
    hf_messages = "hf-messages"
    dpo = "dpo"


class _Style(str, Enum):
    answer = "answer"
    two_message = "two_message"
    think = "think"


def _backfill(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        step, sep, model = item.partition("=")
        if not sep or not step.strip() or not model.strip():
            raise ConfigError(f"--backfill '{item}': use STEP=MODEL, e.g. --backfill paraphrase=gpt-4o-mini")
        out[step.strip()] = model.strip()
    return out


def _human(result) -> None:  # result: SynthResult
    echo = typer.echo
    echo(f"synth {result.task} -> {result.out_dir or '(not written)'}")
    for s in result.steps:
        echo(f"  {s.summary()}")
    comp = result.composition
    echo(f"dataset: {comp['rows']} rows; with rationale {comp['with_rationale']} "
         f"({comp['rationalized']} rationalized); with a rejected reply {comp['with_rejected']}")
    for what in ("by_view", "by_origin", "by_lineage"):
        parts = ", ".join(f"{k} {v['rows']} ({v['share'] * 100:.1f}%)" for k, v in comp[what].items())
        echo(f"  {what.replace('_', ' ')}: {parts}")
    for e in result.exports:
        if e["status"] == "written":
            skipped = f"; skipped {e['skipped']}" if e["skipped"] else ""
            echo(f"export {e['name']}: train {e['train_rows']}, validation {e['validation_rows']}{skipped}")
        else:
            echo(f"export {e['name']}: skipped ({e['reason']})")
    cost = sum(c["cost_usd"] for c in result.calls.values())
    unknown = sum(c["unknown_cost_calls"] for c in result.calls.values())
    spent = sum(c["spent_usd"] for c in result.calls.values())

    priced = usd(cost) + (f" + {unknown} calls of unknown price" if unknown else "")
    echo(f"calls: {result.new_calls} new, {result.cached_calls} cached; cost of the calls {priced}, "
         f"spent this run {usd(spent)}")


@app.command("synth")
def synth_command(
    ctx: typer.Context,
    task_file: Annotated[Path, typer.Argument(help="Task YAML.")],
    recipe_file: Annotated[Path, typer.Option("--recipe", "-r", help="Recipe YAML: steps, exports, seed.")],
    models_file: Annotated[Optional[Path], typer.Option("--models", help="models.yaml with named model configs.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: synth/<task name>).")] = None,
    backfill: Annotated[list[str], typer.Option("--backfill", help="STEP=MODEL: rerun that step with another model; the rest replays from the cache. Repeatable.")] = [],  # noqa: B006
    budget: Annotated[Optional[float], typer.Option("--budget", min=0, help="Spending cap in USD for new calls.")] = None,
    data_dir: Annotated[Optional[Path], typer.Option("--data", help="Folder the task's data paths resolve from.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    backend: str = BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Build a fine-tuning dataset: transforms with lineage, rationales, filters, mixing, exports."""

    try:
        scope = backend_scope(backend, address)
        task = load_task_arg(task_file, data_dir)
        recipe = load_recipe(recipe_file)
        models = load_models(models_file)
        out_dir = out or Path("synth") / task.name
        store = store_of(ctx)
        try:
            with scope:
                result = run_recipe(task, recipe, models=models, out_dir=out_dir, backfill=_backfill(backfill),
                                    budget_usd=budget, base_dir=recipe_file.resolve().parent, store=store)
        finally:
            store.close()
    except TaskladderError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(result.summary())
    else:
        _human(result)


@app.command("export")
def export_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A dataset.jsonl written by `synth` (or its folder), or a run id.")],
    fmt: Annotated[_Format, typer.Option("--format", "-f", help="openai-chat, hf-messages or dpo.")],
    style: Annotated[_Style, typer.Option("--style", help="answer, two_message or think (chat formats).")] = _Style.answer,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: export/<format>-<style>).")] = None,
    validation_fraction: Annotated[float, typer.Option("--validation-fraction", min=0, max=0.99)] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the train/validation split.")] = 0,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Count tokens against this model's context limit.")] = None,
    allow_eval_split: Annotated[bool, typer.Option("--allow-eval-split", help="Allow exporting a dev/test run.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Write fine-tuning files (train/validation JSONL that validate) from a dataset or a run."""

    spec = ExportSpec(format=fmt.value, style=style.value, model=model)
    try:
        path = Path(source)
        if path.exists():
            rows = read_dataset(path)
        else:
            rows = run_rows(store_of(ctx), source, preference=fmt is _Format.dpo, allow_eval_split=allow_eval_split)
        out_dir = out or Path("export") / spec.folder
        info = export_dataset(rows, out_dir, spec, validation_fraction=validation_fraction, seed=seed)
    except TaskladderError as exc:
        fail(str(exc))
        return
    if info["status"] != "written":
        fail(f"nothing exported: {info['reason']}")
    info["files"] = [str(out_dir / Path(f).name) for f in info["files"]]
    info["rows"] = len(rows)
    if as_json:
        print_json(info)
    else:
        skipped = f" (skipped {info['skipped']})" if info["skipped"] else ""
        kind = spec.format if spec.format == "dpo" else f"{spec.format} [{spec.style}]"
        typer.echo(f"{kind}: train {info['train_rows']}, validation "
                   f"{info['validation_rows']} of {len(rows)} rows{skipped}")
        for f in info["files"]:
            typer.echo(f"  {f}")
