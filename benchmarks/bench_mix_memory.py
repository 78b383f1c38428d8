"""Peak memory and time of `taskladder mix` against the target "peak <= 2.5x the largest tensor
plus the output buffer" (issue 16). Each method runs in a fresh process that first does the same
merge of mini models (lazy imports and first-use allocations load there); its peak is the peak
resident memory (VmHWM, reset then through /proc/self/clear_refs, as bench_mix_mergekit.py does)
above the resident memory at the reset. Not ru_maxrss: Linux carries it across fork and exec, so
a child of this script, which built the ~900 MiB of test checkpoints, started at its parent's peak.

Run: nice -n 10 python benchmarks/bench_mix_memory.py [--rows 8192] [--cols 4096]
(defaults: a 128 MiB float32 largest tensor, ~300 MiB per model folder, in a temp folder).
mergekit, the issue's peer, is compared in bench_mix_memory's sibling bench_mix_mergekit.py (installed
in its own folder, never into the venv).

Measured (locked, 2-core machine, defaults: 192 MiB float32 folders, largest tensor 128 MiB;
load average 1.90 at the start, 1.78 at the end, 16 s in all):

          method model MiB largest MiB peak growth MiB x largest target <=2.5x  time s ru_maxrss growth MiB
          linear       192         128              16      0.12           yes     0.3                  181
 task-arithmetic       192         128              56      0.44           yes     0.4                  180
            ties       192         128              94      0.74           yes     2.1                  176
            dare       192         128              60      0.47           yes     1.3                  177

The target holds with room: at most 0.74x the largest tensor (TIES). The ru_maxrss column reads
~1.4x for every method, linear included: the parent's inherited peak, not the merge's. The 1.94x
(TIES) recorded before this script read VmHWM was read through ru_maxrss the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_mix_mergekit import PEAK

CHILD = (
    PEAK
    + r"""
import json, resource, sys, time
import torch, safetensors  # imported before the baseline, as the CLI has them loaded too
from taskladder.mix import MixSpec, mix_folders
from taskladder.mix.stream import _rss_bytes
method, warm, base, tuned, other, out = sys.argv[1:7]
tuned_dirs = [tuned] if method == "linear" else [tuned, other]
# the same merge of mini models first: lazy imports and first-use allocations are out of the figure
mix_folders(f"{warm}/base", [f"{warm}/tuned", f"{warm}/other"][: len(tuned_dirs)], f"{warm}/out-{method}",
            MixSpec(method, 0.5, density=0.5))
before = _rss_bytes()
reset_hwm()
started = time.perf_counter()
result = mix_folders(base, tuned_dirs, out, MixSpec(method, 0.5, density=0.5))
wall = time.perf_counter() - started
ru_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the old, inherited figure, for contrast
print(json.dumps({"method": method, "wall_s": round(wall, 2), "peak_growth": hwm() - before,
                  "ru_growth": ru_maxrss - before,
                  "largest": result.largest_tensor_bytes, "model_bytes": result.bytes_written,
                  "held": result.peak_tensor_bytes_held}))
"""
)


def make_folder(path: Path, rows: int, cols: int, seed: int) -> None:
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(seed)
    tensors = {
        "embed.weight": torch.randn(rows, cols, generator=generator),
        **{f"layer{i}.weight": torch.randn(cols, cols // 4, generator=generator) for i in range(4)},
        "norm.weight": torch.randn(cols, generator=generator),
    }
    path.mkdir(parents=True)
    save_file(tensors, str(path / "model.safetensors"), metadata={"format": "pt"})
    (path / "config.json").write_text("{}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=8192)
    ap.add_argument("--cols", type=int, default=4096)
    args = ap.parse_args()
    mib = 2**20
    print(
        f"{'method':>16} {'model MiB':>9} {'largest MiB':>11} {'peak growth MiB':>15} {'x largest':>9} "
        f"{'target <=2.5x':>13} {'time s':>7} {'ru_maxrss growth MiB':>20}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / name for name in ("base", "tuned", "other")]
        for i, folder in enumerate(folders):
            make_folder(folder, args.rows, args.cols, i)
            make_folder(Path(tmp) / "warm" / folder.name, 64, 64, i)
        for method in ("linear", "task-arithmetic", "ties", "dare"):
            out = Path(tmp) / f"out-{method}"
            run = subprocess.run(
                [sys.executable, "-c", CHILD, method, str(Path(tmp) / "warm"), *map(str, folders), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(run.stdout.strip().splitlines()[-1])
            ratio = r["peak_growth"] / r["largest"]
            print(
                f"{method:>16} {r['model_bytes'] / mib:9.0f} {r['largest'] / mib:11.0f} "
                f"{r['peak_growth'] / mib:15.0f} {ratio:9.2f} {'yes' if ratio <= 2.5 else 'NO':>13} {r['wall_s']:7.1f} {r['ru_growth'] / mib:20.0f}"
            )


if __name__ == "__main__":
    main()
