"""`taskladder mix`: merge an original model with fine-tuned version(s) of it, tensor by tensor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import ConfigError
from ..mix import MixSpec, mix_folders
from ..mix.causal_eval import read_general_rows
from ..mix.causal_sweep import DEFAULT_NLL_DELTA, causal_folder, sweep_causal
from ..mix.curve import sweep_table
from ..mix.embedder_eval import read_sts_pairs
from ..mix.folder import resolve_model_dir
from ..mix.sweep import sweep_embedder, write_sweep
from ..runner.ray_tasks import run_heavy
from .app import app, print_json
from .common import ADDRESS_OPTION, MIX_BACKEND_OPTION, backend_scope, load_task_arg, settings_of, store_of


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


@app.command()
def mix(
    base: Annotated[Path, typer.Argument(help="the original model folder (safetensors)")],
    tuned: Annotated[list[Path], typer.Argument(help="fine-tuned model folder(s) of the same architecture")],
    out: Annotated[Path, typer.Option("--out", help="folder to write the mixed model to")],
    alpha: Annotated[float, typer.Option("--alpha", help="how much of the tuned change to keep: 0 = BASE, "
                                         "1 = TUNED (linear); the scale of the added difference otherwise")] = 0.5,
    method: Annotated[str, typer.Option("--method", help="linear | task-arithmetic | ties | dare | "
                                        "add-difference")] = "linear",
    density: Annotated[Optional[float], typer.Option("--density", help="ties/dare: fraction of each task "
                                                     "vector kept (default 0.2 ties, 0.1 dare)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="dare: seed of the drop masks")] = 0,
    instruct: Annotated[Optional[Path], typer.Option("--instruct", help="add-difference: the instruct model; "
                                                     "adds alpha * (INSTRUCT - BASE) to TUNED")] = None,
    shard_mb: Annotated[int, typer.Option("--shard-mb", min=1, help="largest output shard, MiB")] = 2048,
    overwrite: Annotated[bool, typer.Option(help="replace a non-empty --out folder")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    backend: str = MIX_BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Mix weights: WiSE-FT interpolation, task arithmetic, TIES, DARE, or an added base->instruct difference.

    Reads one tensor of each input at a time and writes a folder that loads like TUNED
    (sentence-transformers or transformers), with taskladder-mix.json saying how it was made.
    """

    scope = backend_scope(backend, address, calls=False)
    spec = MixSpec(method=method, alpha=alpha, density=density, seed=seed)
    with scope:  # --backend ray: the merge is one Ray task (runner.ray_tasks), else it runs here
        result = run_heavy(mix_folders, base, list(tuned), out, spec, instruct_dir=instruct,
                           shard_bytes=shard_mb * 2**20, overwrite=overwrite)
    if as_json:
        print_json(result.summary())
        return
    typer.echo(f"mixed {result.tensors} tensors ({method}, alpha {alpha}) into {result.out} "
               f"({result.shards} shard(s), {_mib(result.bytes_written)}) in {result.wall_s:.1f}s")
    typer.echo(f"peak memory: {_mib(result.peak_tensor_bytes_held)} of tensors held at once "
               f"(largest tensor {_mib(result.largest_tensor_bytes)}); resident growth "
               f"{_mib(result.peak_rss_growth_bytes)}")


@app.command("mix-sweep")
def mix_sweep(
    ctx: typer.Context,
    task_path: Annotated[Path, typer.Argument(help="task.yaml: train fits the head, dev picks alpha, test reports")],
    base: Annotated[str, typer.Argument(help="the original model: a sentence-embedding folder (or all-MiniLM-L6-v2), "
                                        "or a causal LM (a folder, or local/NAME such as local/smollm2)")],
    tuned: Annotated[str, typer.Argument(help="its fine-tuned folder (baseline/embed-tuned's encoder, or "
                                         "`taskladder tune`'s output: a folder or local/NAME)")],
    out: Annotated[Path, typer.Option("--out", help="folder for sweep.json, sweep.png and the chosen mix")],
    general: Annotated[Optional[Path], typer.Option("--general", help="general set: CSV sentence1,sentence2,score "
                                                    "(e.g. STS-B dev.csv) for embedders; JSONL instruction rows "
                                                    "or a folder of them (instruction/input/output) for causal LMs, "
                                                    "default the packaged general prompts")] = None,
    alphas: Annotated[str, typer.Option("--alphas", help="comma-separated grid")] = "0,0.25,0.5,0.75,1",
    delta: Annotated[Optional[float], typer.Option("--delta", min=0.0, help="allowed drop of the general score "
                                                   "below the original's: Spearman x100 for embedders (default "
                                                   "0.5), NLL nats per token for causal LMs (default 0.05)")] = None,
    general_limit: Annotated[Optional[int], typer.Option("--general-limit", min=1, help="first N rows only")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="causal LMs: first N dev and test "
                                                 "examples only")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    backend: str = MIX_BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Sweep the mixing alpha: task score vs general score (STS Spearman for embedders, NLL for causal LMs), alpha picked by a rule.

    Embedding model: task = the embed-lr head's accuracy (train fits it), general = Spearman x100
    on --general pairs. Causal LM: task = its zero-shot answers' score, general = -NLL per token of
    the general set's answers (agreement with the original's greedy answers shown beside it).
    Dev picks alpha, test reports. Rule: max task dev s.t. general >= original - delta.
    Prints a table; writes sweep.json, sweep.png and the chosen mix under --out.
    """

    scope = backend_scope(backend, address, calls=False)
    try:
        grid = tuple(float(a) for a in alphas.split(",") if a.strip())
    except ValueError:
        raise ConfigError(f"--alphas {alphas!r}: give numbers separated by commas, e.g. 0,0.25,0.5,0.75,1") from None
    task = load_task_arg(task_path)
    home = settings_of(ctx).home
    base_lm = causal_folder(base, home)
    if base_lm is not None:
        tuned_lm = causal_folder(tuned, home)
        if tuned_lm is None:
            raise ConfigError(f"{tuned}: BASE is a causal LM, so TUNED must be one too (a folder or local/NAME)")
        _sweep_causal(ctx, task, base_lm, tuned_lm, general, out, grid, delta, general_limit, limit, as_json, scope)
        return
    label = next((n for n, f in task.spec.outputs.items() if f.type == "label"), None)
    if label is None or not task.train or not task.dev:
        raise ConfigError(f"{task_path}: mix-sweep needs a label output field and train and dev splits")
    if general is None:
        raise ConfigError("an embedding model's sweep needs --general PAIRS.csv (sentence1,sentence2,score, "
                          "e.g. STS-B dev)")
    delta = 0.5 if delta is None else delta

    def split(examples: list) -> tuple[list[str], list[str]]:
        return [e.input_text() for e in examples], [str(e.outputs[label]) for e in examples]

    base_dir = resolve_model_dir(base)
    with scope:  # --backend ray: each alpha's mix and scores are one Ray task (runner.ray_tasks.map_heavy)
        result = sweep_embedder(base_dir, Path(tuned), split(task.train), split(task.dev),
                                split(task.test) if task.test else None, read_sts_pairs(general, general_limit),
                                out / "work", alphas=grid, delta=delta, progress=None if as_json else _shown)
    (out / "work").rmdir()
    json_path, png = write_sweep(result, out, f"{task.name}: task vs general by alpha")
    mixed = mix_folders(base_dir, [Path(tuned)], out / "chosen", MixSpec("linear", result.chosen.alpha),
                        overwrite=True)
    _print_sweep(result, mixed.out, json_path, png, delta, as_json)


def _shown(point: Any) -> None:
    general = f"NLL {point.nll:.3f}, agreement {point.agreement:.1f}%" if point.nll is not None else \
        f"general {point.general:.2f}"
    typer.echo(f"alpha {point.alpha:g}: task dev {point.task_dev:.2f}, {general}", err=True)


def _print_sweep(result: Any, chosen_dir: str, json_path: Path, png: Path, delta: float, as_json: bool) -> None:
    if as_json:
        print_json({**result.to_json(), "chosen_mix": chosen_dir, "png": str(png)})
        return
    typer.echo(sweep_table(result.points, result.chosen))
    measure = "-NLL" if result.chosen.nll is not None else "general"
    typer.echo(f"rule: max task dev s.t. {measure} >= original - {delta:g}; chosen alpha {result.chosen.alpha:g} "
               f"-> {chosen_dir}\n{json_path}\n{png}")


def _sweep_causal(ctx: typer.Context, task: Any, base: Path, tuned: Path, general: Path | None, out: Path,
                  grid: tuple[float, ...], delta: float | None, general_limit: int | None, limit: int | None,
                  as_json: bool, scope: Any) -> None:
    """A causal LM's sweep: each mix answers the task zero-shot (as `climb`'s finetune rung asks
    the tuned model) through the runner, so its calls are cached and its runs stored."""
    import shutil

    from ..ladder import LadderContext, LadderOptions, ModelState
    from ..ladder.rungs import ZeroShot
    from ..models.config import ModelConfig
    from ..runner import evaluate

    if not task.dev:
        raise ConfigError(f"{task.spec.name}: mix-sweep needs a dev split to choose alpha on")
    delta = DEFAULT_NLL_DELTA if delta is None else delta
    rows = read_general_rows(general, general_limit) if general is not None else None
    store = store_of(ctx)

    def score(name: str, folder: Path) -> tuple[float, float | None]:
        spec = ZeroShot().spec(LadderContext(task, LadderOptions()), ModelState(name))
        models = {name: ModelConfig(name=name, model=name)}
        runs = [evaluate(task, spec, split=s, limit=limit, models=models, store=store, progress=False)
                for s in (["dev", "test"] if task.test else ["dev"])]
        pct = [100.0 * (r.summary.score or 0.0) for r in runs]
        return pct[0], pct[1] if len(pct) > 1 else None

    work = out / "work"
    with scope:
        result, folder = sweep_causal(base, tuned, rows, work, score, alphas=grid, delta=delta,
                                      progress=None if as_json else _shown)
    chosen = out / "chosen"
    shutil.rmtree(chosen, ignore_errors=True)
    folder.rename(chosen)
    shutil.rmtree(work, ignore_errors=True)  # also mixes a killed earlier sweep left behind
    json_path, png = write_sweep(result, out, f"{task.spec.name}: task vs general NLL by alpha")
    _print_sweep(result, str(chosen), json_path, png, delta, as_json)
