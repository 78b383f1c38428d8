"""`taskladder mix`: merge an original model with fine-tuned version(s) of it, tensor by tensor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import ConfigError
from ..mix import MixSpec, mix_folders
from ..mix.curve import sweep_table
from ..mix.embedder_eval import read_sts_pairs
from ..mix.folder import resolve_model_dir
from ..mix.sweep import sweep_embedder, write_sweep
from ..runner.ray_tasks import run_heavy
from .app import app, print_json
from .common import ADDRESS_OPTION, MIX_BACKEND_OPTION, backend_scope, load_task_arg


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
    base: Annotated[str, typer.Argument(help="the original sentence-embedding model folder (or all-MiniLM-L6-v2)")],
    tuned: Annotated[Path, typer.Argument(help="its fine-tuned folder (e.g. baseline/embed-tuned's encoder)")],
    general: Annotated[Path, typer.Option("--general", help="general set: CSV sentence1,sentence2,score "
                                          "(e.g. STS-B dev.csv)")],
    out: Annotated[Path, typer.Option("--out", help="folder for sweep.json, sweep.png and the chosen mix")],
    alphas: Annotated[str, typer.Option("--alphas", help="comma-separated grid")] = "0,0.25,0.5,0.75,1",
    delta: Annotated[float, typer.Option("--delta", min=0.0, help="allowed drop of the general score "
                                         "(Spearman x100) below the original's")] = 0.5,
    general_limit: Annotated[Optional[int], typer.Option("--general-limit", min=1, help="first N pairs only")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    backend: str = MIX_BACKEND_OPTION,
    address: Optional[str] = ADDRESS_OPTION,
) -> None:
    """Sweep the mixing alpha of an embedding model: task accuracy vs STS Spearman, alpha picked by a rule.

    Task score: the embed-lr head's accuracy (train fits it, dev picks alpha, test reports). General
    score: Spearman x100 on --general pairs. Rule: max task dev s.t. general >= original - delta.
    Prints a table; writes sweep.json, sweep.png and the chosen mix under --out.
    """

    scope = backend_scope(backend, address, calls=False)
    try:
        grid = tuple(float(a) for a in alphas.split(",") if a.strip())
    except ValueError:
        raise ConfigError(f"--alphas {alphas!r}: give numbers separated by commas, e.g. 0,0.25,0.5,0.75,1") from None
    task = load_task_arg(task_path)
    label = next((n for n, f in task.spec.outputs.items() if f.type == "label"), None)
    if label is None or not task.train or not task.dev:
        raise ConfigError(f"{task_path}: mix-sweep needs a label output field and train and dev splits")

    def split(examples: list) -> tuple[list[str], list[str]]:
        return [e.input_text() for e in examples], [str(e.outputs[label]) for e in examples]

    def shown(point: Any) -> None:
        if not as_json:
            typer.echo(f"alpha {point.alpha:g}: task dev {point.task_dev:.2f}, general {point.general:.2f}", err=True)

    base_dir = resolve_model_dir(base)
    with scope:  # --backend ray: each alpha's mix and scores are one Ray task (runner.ray_tasks.map_heavy)
        result = sweep_embedder(base_dir, tuned, split(task.train), split(task.dev),
                                split(task.test) if task.test else None, read_sts_pairs(general, general_limit),
                                out / "work", alphas=grid, delta=delta, progress=shown)
    (out / "work").rmdir()
    json_path, png = write_sweep(result, out, f"{task.name}: task vs general by alpha")
    mixed = mix_folders(base_dir, [tuned], out / "chosen", MixSpec("linear", result.chosen.alpha), overwrite=True)
    if as_json:
        print_json({**result.to_json(), "chosen_mix": mixed.out, "png": str(png)})
        return
    typer.echo(sweep_table(result.points, result.chosen))
    typer.echo(f"rule: max task dev s.t. general >= original - {delta:g}; chosen alpha {result.chosen.alpha:g} "
               f"-> {mixed.out}\n{json_path}\n{png}")
