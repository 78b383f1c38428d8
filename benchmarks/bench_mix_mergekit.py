"""`taskladder mix` against mergekit, the issue's peer (issue 16): the same Llama checkpoints, the
same method, outputs equal within float tolerance, and wall time and peak memory side by side.

Methods compared: linear (WiSE-FT: ours ``lerp(base, tuned, a)``; mergekit ``linear`` with weights
1-a and a, normalised) and TIES (ours alpha 1; mergekit ``ties`` with weight 1, the same density,
normalise on, lambda 1: trim to the top-k magnitudes, elect the sign from the sum, disjoint mean).
DARE draws random masks, each tool its own way, so it is not bit-comparable and is left out.

mergekit (LGPL, heavy) is not a dependency: install it into its own folder, never the venv
(0.1.5 also needs ``immutables``; its other requirements are the venv's torch/transformers):

    pip install --no-deps --target /tmp/mergekit mergekit==0.1.5 immutables
    nice -n 5 python benchmarks/bench_mix_mergekit.py --mergekit /tmp/mergekit

Each merge runs in a fresh process that first does the same merge of a mini model (so lazy imports
and first-use allocations are out of the figure); its peak memory is the peak resident memory
(VmHWM, reset after the warm-up through /proc/self/clear_refs) above the resident memory then.
Not ru_maxrss: Linux keeps it across fork and exec, so a child starts at its parent's peak.
(mergekit's imports are much larger than ours; they are not counted.)
The model is a random Llama built from a config (no download); --hidden/--layers/--vocab size it.

Measured (locked, 2-core machine, --hidden 1024 --layers 8 --vocab 32000: 634 MiB float32 checkpoints,
166.2M entries; alpha 0.3, density 0.5; load average 3.3 at the start, 1.8 at the end):

     method  ours s    mk s  time ours/mk  ours MiB   mk MiB  mem ours/mk  max |diff|  entries not allclose
     linear    1.16    1.38          0.84      28.1   1903.3         0.01    7.45e-09                     0
       ties    9.47   52.22          0.18     101.8   2760.1         0.04    6.75e-03  7 (all tied at the cut)

An earlier locked run of the same command on a busier machine (load 2.1 -> 6.3) gave the same memory
and equality figures and times of 1.43 vs 3.60 s (linear) and 105.2 vs 124.4 s (TIES).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PEAK = r"""
def hwm():  # peak resident memory of this process since the last reset (VmHWM)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM"))
def reset_hwm():  # Linux >= 4.0: VmHWM back to the current resident memory
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
"""

OURS = (
    PEAK
    + r"""
import json, sys, time
import torch, safetensors
from taskladder.mix import MixSpec, mix_folders
from taskladder.mix.stream import _rss_bytes
method, alpha, density, warm, out, base, *tuned = sys.argv[1:]
warm_args = json.loads(warm)  # the same merge of a mini model first: lazy imports and kernels load there
mix_folders(warm_args[1], warm_args[2:], warm_args[0], MixSpec(method, float(alpha), density=float(density)))
before = _rss_bytes()
reset_hwm()
started = time.perf_counter()
mix_folders(base, tuned, out, MixSpec(method, float(alpha), density=float(density)))
wall = time.perf_counter() - started
peak = hwm()
print(json.dumps({"wall_s": wall, "peak_growth": peak - before}))
"""
)

MERGEKIT = (
    PEAK
    + r"""
import json, sys, time
import torch, safetensors, yaml
from mergekit.config import MergeConfiguration
from mergekit.merge import MergeOptions, run_merge
from taskladder.mix.stream import _rss_bytes
config_yaml, out, warm_yaml, warm_out = sys.argv[1:]
options = MergeOptions(cuda=False, copy_tokenizer=False, write_model_card=False, lazy_unpickle=False,
                       low_cpu_memory=False, quiet=True)
run_merge(MergeConfiguration.model_validate(yaml.safe_load(warm_yaml)), warm_out, options=options)
config = MergeConfiguration.model_validate(yaml.safe_load(config_yaml))
before = _rss_bytes()
reset_hwm()
started = time.perf_counter()
run_merge(config, out, options=options)
wall = time.perf_counter() - started
peak = hwm()
print(json.dumps({"wall_s": wall, "peak_growth": peak - before}))
"""
)


def build_models(root: Path, hidden: int, layers: int, vocab: int, n_tuned: int) -> list[Path]:
    """A random Llama (base) and ``n_tuned`` copies moved by seeded noise (stand-ins for fine-tunes)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=hidden * 8 // 3,
        num_hidden_layers=layers,
        num_attention_heads=max(1, hidden // 64),
        num_key_value_heads=max(1, hidden // 64),
        tie_word_embeddings=False,
    )
    base = LlamaForCausalLM(config)
    folders = [root / "base"] + [root / f"tuned{i}" for i in range(1, n_tuned + 1)]
    base.save_pretrained(str(folders[0]), safe_serialization=True)
    for i, folder in enumerate(folders[1:], start=1):
        generator = torch.Generator().manual_seed(i)
        moved = LlamaForCausalLM(config)
        with torch.no_grad():
            for (_, p), (_, q) in zip(base.named_parameters(), moved.named_parameters()):
                q.copy_(p + 0.01 * torch.randn(p.shape, generator=generator))
        moved.save_pretrained(str(folder), safe_serialization=True)
    return folders


def mergekit_yaml(method: str, alpha: float, density: float, base: Path, tuned: list[Path]) -> str:
    if method == "linear":
        models = [
            {"model": str(base), "parameters": {"weight": 1.0 - alpha}},
            {"model": str(tuned[0]), "parameters": {"weight": alpha}},
        ]
        return json.dumps({"merge_method": "linear", "models": models, "dtype": "float32"})
    models = [{"model": str(t), "parameters": {"weight": 1.0, "density": density}} for t in tuned]
    return json.dumps(
        {
            "merge_method": "ties",
            "base_model": str(base),
            "models": models,
            "parameters": {"normalize": True, "lambda": 1.0},
            "dtype": "float32",
        }
    )


def run_child(code: str, args: list[str], extra_path: str | None = None) -> dict:
    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), extra_path) if p)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "child failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_all(folder: Path) -> dict:
    from safetensors.torch import load_file

    out: dict = {}
    for file in sorted(folder.glob("*.safetensors")):
        out.update(load_file(str(file)))
    return out


def compare(ours: Path, theirs: Path, ties_inputs: tuple[Path, list[Path], float] | None = None) -> dict:
    """Tensor counts, max |difference|, entries not allclose (rtol 1e-5, atol 1e-6), and for TIES
    how many of those sit where a tuned model's |task vector| equals its magnitude cut exactly:
    top-k with tied magnitudes at the cut is ambiguous (both tools keep exactly k; ours keeps the
    first in row-major order, mergekit whichever its argsort puts first)."""
    import torch

    a, b = read_all(ours), read_all(theirs)
    base, tuned = (read_all(ties_inputs[0]), [read_all(t) for t in ties_inputs[1]]) if ties_inputs else ({}, [])
    worst, differing, total, at_cut = 0.0, 0, 0, 0
    for name in sorted(set(a) & set(b)):
        x, y = a[name].float(), b[name].float()
        worst = max(worst, float((x - y).abs().max()))
        off = ~torch.isclose(x, y, rtol=1e-5, atol=1e-6)
        differing += int(off.sum())
        total += x.numel()
        if ties_inputs and off.any():
            tied = torch.zeros_like(off)
            for model in tuned:
                magnitude = (model[name].float() - base[name].float()).abs().reshape(-1)
                k = max(1, int(ties_inputs[2] * magnitude.numel()))
                cut = torch.kthvalue(magnitude, magnitude.numel() - k + 1).values
                tied |= (magnitude == cut).reshape(off.shape)
            at_cut += int((off & tied).sum())
    return {
        "tensors": f"{len(a)}/{len(b)}",
        "worst": worst,
        "differing": differing,
        "total": total,
        "at_cut": at_cut,
        "same_names": set(a) == set(b),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mergekit", required=True, help="folder mergekit was pip-installed into (--target)")
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=16000)
    ap.add_argument("--alpha", type=float, default=0.3, help="linear's alpha")
    ap.add_argument("--density", type=float, default=0.5, help="TIES's density")
    args = ap.parse_args()
    mib = 2**20
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base, *tuned = build_models(root / "model", args.hidden, args.layers, args.vocab, 2)
        mini_base, *mini_tuned = build_models(root / "mini", 64, 1, 64, 2)
        size = sum(f.stat().st_size for f in base.glob("*.safetensors"))
        print(
            f"Llama hidden {args.hidden}, {args.layers} layers, vocab {args.vocab}: {size / mib:.0f} MiB per "
            f"checkpoint (float32)"
        )
        print(
            f"{'method':>7} {'ours s':>7} {'mk s':>7} {'time ours/mk':>12} {'ours MiB':>9} {'mk MiB':>8} "
            f"{'mem ours/mk':>11} {'tensors':>9} {'max |diff|':>10} {'entries not allclose':>22}"
        )
        for method, inputs, alpha in (("linear", tuned[:1], args.alpha), ("ties", tuned, 1.0)):
            ours_out, mk_out = root / f"ours-{method}", root / f"mk-{method}"
            mini_inputs = mini_tuned[: len(inputs)]
            warm = json.dumps([str(root / f"warm-ours-{method}"), str(mini_base), *map(str, mini_inputs)])
            ours = run_child(
                OURS, [method, str(alpha), str(args.density), warm, str(ours_out), str(base), *map(str, inputs)]
            )
            theirs = run_child(
                MERGEKIT,
                [
                    mergekit_yaml(method, alpha, args.density, base, inputs),
                    str(mk_out),
                    mergekit_yaml(method, alpha, args.density, mini_base, mini_inputs),
                    str(root / f"warm-mk-{method}"),
                ],
                extra_path=args.mergekit,
            )
            c = compare(ours_out, mk_out, (base, inputs, args.density) if method == "ties" else None)
            print(
                f"{method:>7} {ours['wall_s']:7.2f} {theirs['wall_s']:7.2f} "
                f"{ours['wall_s'] / theirs['wall_s']:12.2f} {ours['peak_growth'] / mib:9.1f} "
                f"{theirs['peak_growth'] / mib:8.1f} {ours['peak_growth'] / max(theirs['peak_growth'], 1):11.2f} "
                f"{c['tensors']:>9} {c['worst']:10.2e} {c['differing']:>10} of {c['total']:<9}"
            )
            if method == "ties" and c["differing"]:
                print(
                    f"        TIES: {c['at_cut']} of the {c['differing']} differing entries are tied at a tuned "
                    "model's magnitude cut (top-k ties: ours keeps the first in row order, mergekit its "
                    "argsort's pick)"
                )


if __name__ == "__main__":
    main()
