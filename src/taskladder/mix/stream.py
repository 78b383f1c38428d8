"""Streaming merge of model folders: one tensor of each input in memory at a time.

For each tensor name the inputs are read (one tensor, or a block of its rows; see ``reader``),
merged, and written straight to its output shard (see ``writer``). Files other than
weights (config, tokenizer, sentence-transformers module folders) are copied from the tuned
model, so the output loads the same way its input does.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TaskladderError
from .folder import FLOAT_DTYPES, INDEX_NAME, ModelFolder, check_compatible, open_folder
from .methods import METHODS, MagnitudeCut, MixSpec, magnitude_cut, merge_tensor, whole_magnitude_cut, work_dtype
from .reader import read_rows
from .writer import StreamingSafetensorsWriter, tensor_bytes

DEFAULT_SHARD_BYTES = 2 * 1024**3
# Every method merges a block of rows at a time (see ``methods``: TIES finds its per-tensor
# magnitude cut over the blocks first, DARE seeds its masks in fixed chunks), so memory holds
# a block of each input, not a tensor.
# 4 MiB of float32 per block: TIES's cut passes hold several block-sized temporaries, and at
# 16 MiB blocks its peak was 3.65x a 128 MiB tensor (1.94x at 4 MiB, as linear; bench_mix_memory).
BLOCK_ELEMENTS = 1024**2
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
LINEAGE_FILE = "taskladder-mix.json"


@dataclass
class MixResult:
    out: str
    method: str
    alpha: float
    inputs: dict[str, Any]
    tensors: int
    shards: int
    bytes_written: int
    largest_tensor_bytes: int
    peak_tensor_bytes_held: int  # inputs + output of the block (or tensor) that held the most at once
    peak_rss_growth_bytes: int  # resident memory above the start, sampled after every tensor
    wall_s: float
    files_copied: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return asdict(self)


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _ties_cuts(
    spec: MixSpec, blocks: list[slice | None], inputs: Any, n_tuned: int, numel: int, dtype_code: str
) -> list[MagnitudeCut]:
    """Each tuned model's TIES magnitude cut over the whole tensor, from its task vector's blocks."""
    import torch

    if len(blocks) == 1:  # held whole anyway (and read once): select in memory
        b, ts, _ = inputs(blocks[0])
        work = work_dtype(b)
        return [whole_magnitude_cut(t.to(work) - b.to(work), spec.kept_fraction()) for t in ts]

    def deltas(i: int) -> Any:
        for rows in blocks:
            b, ts, _ = inputs(rows)
            work = work_dtype(b)
            yield ts[i].to(work) - b.to(work)

    work = torch.float64 if dtype_code == "F64" else torch.float32  # as methods.work_dtype
    return [magnitude_cut(functools.partial(deltas, i), numel, spec.kept_fraction(), work) for i in range(n_tuned)]


def check_spec(spec: MixSpec, n_tuned: int, has_instruct: bool) -> None:
    if spec.method not in METHODS:
        raise TaskladderError(f"unknown mix method '{spec.method}'; use one of: {', '.join(METHODS)}")
    if spec.method in ("linear", "add-difference") and n_tuned != 1:
        raise TaskladderError(
            f"--method {spec.method} takes exactly one TUNED model, got {n_tuned}; "
            "use task-arithmetic, ties or dare for several"
        )
    if n_tuned < 1:
        raise TaskladderError("give at least one TUNED model folder after BASE")
    if (spec.method == "add-difference") != has_instruct:
        raise TaskladderError("--instruct DIR is needed by --method add-difference and only by it")
    if not 0.0 < spec.kept_fraction() <= 1.0:
        raise TaskladderError(f"--density {spec.density} must be in (0, 1]")


def _copy_side_files(source: Path, dest: Path) -> list[str]:
    """Everything but weights and taskladder's own lineage files, so the output loads like ``source``."""
    copied = []
    for item in sorted(source.iterdir()):
        if item.name == INDEX_NAME or item.name.startswith("taskladder-") or item.name.startswith("checkpoint"):
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name)
        elif item.suffix not in WEIGHT_SUFFIXES:
            shutil.copy2(item, dest / item.name)
        else:
            continue
        copied.append(item.name)
    return copied


def _shard_plan(folder: ModelFolder, shard_bytes: int) -> list[list[str]]:
    shards: list[list[str]] = [[]]
    size = 0
    for name, info in folder.tensors.items():
        n = tensor_bytes(info.dtype, info.shape)
        if shards[-1] and size + n > shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(name)
        size += n
    return shards


def _shard_names(count: int) -> list[str]:
    if count == 1:
        return ["model.safetensors"]
    return [f"model-{i:05d}-of-{count:05d}.safetensors" for i in range(1, count + 1)]


def mix_folders(
    base_dir: Path | str,
    tuned_dirs: list[Path | str],
    out_dir: Path | str,
    spec: MixSpec,
    *,
    instruct_dir: Path | str | None = None,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    overwrite: bool = False,
) -> MixResult:
    """Merge ``tuned_dirs`` into ``base_dir`` by ``spec`` and write a loadable folder at ``out_dir``."""
    try:
        import torch  # noqa: F401  (loaded before the memory baseline is taken)
    except ImportError:
        raise TaskladderError("mix needs torch; run: pip install 'taskladder[local]'") from None

    check_spec(spec, len(tuned_dirs), instruct_dir is not None)
    started, rss0 = time.perf_counter(), _rss_bytes()
    base = open_folder(base_dir)
    tuned = [open_folder(d) for d in tuned_dirs]
    instruct = open_folder(instruct_dir) if instruct_dir is not None else None
    _, copied_names = check_compatible(base, tuned + ([instruct] if instruct else []))
    out = Path(out_dir).expanduser()
    input_paths = [f.path.resolve() for f in [base, *tuned, *([instruct] if instruct else [])]]
    if out.resolve() in input_paths:
        raise TaskladderError(f"--out {out} is one of the input folders; write the mix to a new folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise TaskladderError(f"--out {out} exists and is not empty; pick a new folder or pass --overwrite")
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    try:
        buffers = set(copied_names)
        source = tuned[0]  # the output keeps its tensor set and layout
        plan = _shard_plan(source, shard_bytes)
        names = _shard_names(len(plan))
        largest = held = rss_peak = written = 0
        weight_map: dict[str, str] = {}
        with contextlib.ExitStack() as stack:
            handles: dict[Path, Any] = {}

            def read(folder: ModelFolder, name: str, rows: slice | None = None) -> Any:
                info = folder.tensors[name]
                if info.file not in handles:
                    handles[info.file] = stack.enter_context(open(info.file, "rb"))
                return read_rows(handles[info.file], info, rows)

            for shard_names, shard_file in zip(plan, names):
                layout = [(n, source.tensors[n].dtype, source.tensors[n].shape) for n in shard_names]
                with StreamingSafetensorsWriter(tmp / shard_file, layout, base.metadata or {"format": "pt"}) as writer:
                    for name in shard_names:
                        if name in buffers:  # a non-float buffer not in every input
                            buffer = read(source, name)
                            writer.write(name, buffer)
                            written += buffer.numel() * buffer.element_size()
                            weight_map[name] = shard_file
                            continue
                        shape = source.tensors[name].shape
                        numel = math.prod(shape)
                        row_elements = math.prod(shape[1:]) if shape else 1
                        step = max(1, BLOCK_ELEMENTS // max(1, row_elements))
                        blocks: list[slice | None] = (
                            [slice(i, i + step) for i in range(0, shape[0], step)]
                            if shape and shape[0] > step
                            else [None]
                        )
                        whole: dict[str, Any] = {}  # a one-block tensor is read once, however many passes

                        def inputs(
                            rows: slice | None,
                            name: str = name,
                            n_blocks: int = len(blocks),
                            whole: dict[str, Any] = whole,
                        ) -> Any:
                            if n_blocks == 1 and whole:
                                return whole["inputs"]
                            got = (
                                read(base, name, rows),
                                [read(f, name, rows) for f in tuned],
                                read(instruct, name, rows) if instruct else None,
                            )
                            if n_blocks == 1:
                                whole["inputs"] = got
                            return got

                        dtype_code = base.tensors[name].dtype
                        cuts = (
                            _ties_cuts(spec, blocks, inputs, len(tuned), numel, dtype_code)
                            if spec.method == "ties" and dtype_code in FLOAT_DTYPES
                            else None
                        )
                        for rows in blocks:
                            b, ts, ins = inputs(rows)
                            try:
                                merged = merge_tensor(
                                    spec,
                                    name,
                                    b,
                                    ts,
                                    ins,
                                    start=(rows.start if rows else 0) * row_elements,
                                    numel=numel,
                                    cuts=cuts,
                                )
                            except ValueError as exc:
                                raise TaskladderError(f"{tuned[0].path}: {exc}") from None
                            n = b.numel() * b.element_size()
                            held = max(held, n * (2 + len(ts) + (ins is not None)))  # inputs + the output
                            writer.write_part(name, merged)
                            written += n
                            del b, ts, ins, merged
                            rss_peak = max(rss_peak, _rss_bytes() - rss0)
                        whole.clear()
                        weight_map[name] = shard_file
                        largest = max(largest, tensor_bytes(source.tensors[name].dtype, shape))
                        rss_peak = max(rss_peak, _rss_bytes() - rss0)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # no half-written folder left behind
        raise
    if len(names) > 1:
        (tmp / INDEX_NAME).write_text(
            json.dumps({"metadata": {"total_size": written}, "weight_map": weight_map}, indent=2)
        )
    copied = _copy_side_files(tuned[0].path, tmp)
    result = MixResult(
        out=str(out),
        method=spec.method,
        alpha=spec.alpha,
        inputs={
            "base": str(base.path),
            "tuned": [str(f.path) for f in tuned],
            **({"instruct": str(instruct.path)} if instruct else {}),
            **({"density": spec.kept_fraction()} if spec.method in ("ties", "dare") else {}),
            **({"seed": spec.seed} if spec.method == "dare" else {}),
        },
        tensors=len(weight_map),
        shards=len(names),
        bytes_written=written,
        largest_tensor_bytes=largest,
        peak_tensor_bytes_held=held,
        peak_rss_growth_bytes=max(0, rss_peak),
        wall_s=round(time.perf_counter() - started, 3),
        files_copied=copied,
    )
    (tmp / LINEAGE_FILE).write_text(json.dumps(result.summary(), indent=2))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return result
