"""`taskladder mix`: merge an original model with fine-tuned version(s) of it, tensor by tensor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app, print_json


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
) -> None:
    """Mix weights: WiSE-FT interpolation, task arithmetic, TIES, DARE, or an added base->instruct difference.

    Reads one tensor of each input at a time and writes a folder that loads like TUNED
    (sentence-transformers or transformers), with taskladder-mix.json saying how it was made.
    """
    from ..mix import MixSpec, mix_folders

    spec = MixSpec(method=method, alpha=alpha, density=density, seed=seed)
    result = mix_folders(base, list(tuned), out, spec, instruct_dir=instruct, shard_bytes=shard_mb * 2**20,
                         overwrite=overwrite)
    if as_json:
        print_json(result.summary())
        return
    typer.echo(f"mixed {result.tensors} tensors ({method}, alpha {alpha}) into {result.out} "
               f"({result.shards} shard(s), {_mib(result.bytes_written)}) in {result.wall_s:.1f}s")
    typer.echo(f"peak memory: {_mib(result.peak_tensor_bytes_held)} of tensors held at once "
               f"(largest tensor {_mib(result.largest_tensor_bytes)}); resident growth "
               f"{_mib(result.peak_rss_growth_bytes)}")
