"""Peak memory and time of `taskladder mix` against the target "peak <= 2.5x the largest tensor
plus the output buffer" (issue 16). Each method runs in a fresh process; its peak resident
memory (ru_maxrss) is compared with the same process's resident memory after imports.

Run: nice -n 10 python benchmarks/bench_mix_memory.py [--rows 8192] [--cols 4096]
(defaults: a 128 MiB float32 largest tensor, ~300 MiB per model folder, in a temp folder).
mergekit, the issue's peer, is compared in bench_mix_memory's sibling bench_mix_mergekit.py (installed
in its own folder, never into the venv).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import torch, safetensors  # imported before the baseline, as the CLI has them loaded too
from taskladder.mix import MixSpec, mix_folders
from taskladder.mix.stream import _rss_bytes
before = _rss_bytes()
method, base, tuned, other, out = sys.argv[1:6]
started = time.perf_counter()
tuned_dirs = [tuned] if method == "linear" else [tuned, other]
result = mix_folders(base, tuned_dirs, out, MixSpec(method, 0.5, density=0.5))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"method": method, "wall_s": round(time.perf_counter() - started, 2),
                  "peak_growth": peak - before, "largest": result.largest_tensor_bytes,
                  "model_bytes": result.bytes_written, "held": result.peak_tensor_bytes_held}))
"""


def make_folder(path: Path, rows: int, cols: int, seed: int) -> None:
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(seed)
    tensors = {"embed.weight": torch.randn(rows, cols, generator=generator),
               **{f"layer{i}.weight": torch.randn(cols, cols // 4, generator=generator) for i in range(4)},
               "norm.weight": torch.randn(cols, generator=generator)}
    path.mkdir(parents=True)
    save_file(tensors, str(path / "model.safetensors"), metadata={"format": "pt"})
    (path / "config.json").write_text("{}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=8192)
    ap.add_argument("--cols", type=int, default=4096)
    args = ap.parse_args()
    mib = 2**20
    print(f"{'method':>16} {'model MiB':>9} {'largest MiB':>11} {'peak growth MiB':>15} {'x largest':>9} "
          f"{'target <=2.5x':>13} {'time s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / name for name in ("base", "tuned", "other")]
        for i, folder in enumerate(folders):
            make_folder(folder, args.rows, args.cols, i)
        for method in ("linear", "task-arithmetic", "ties", "dare"):
            out = Path(tmp) / f"out-{method}"
            run = subprocess.run([sys.executable, "-c", CHILD, method, *map(str, folders), str(out)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(run.stdout.strip().splitlines()[-1])
            ratio = r["peak_growth"] / r["largest"]
            print(f"{method:>16} {r['model_bytes'] / mib:9.0f} {r['largest'] / mib:11.0f} "
                  f"{r['peak_growth'] / mib:15.0f} {ratio:9.2f} {'yes' if ratio <= 2.5 else 'NO':>13} {r['wall_s']:7.1f}")


if __name__ == "__main__":
    main()
