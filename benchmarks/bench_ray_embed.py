"""An embedding baseline on a large table: local backend vs Ray with 1 node and with 2 nodes.

The table is Banking77's train + test (13,083 texts), repeated ``--repeat`` times with each copy's
texts made distinct (a copy number appended), so every text is a cache miss that has to be
encoded. Each configuration starts from an empty embedding cache and runs ``baseline/embed-lr``
end to end (encode train, fit the head, encode and predict the evaluation split):

* local: this process encodes (``embed_texts``'s own path);
* ray 1 node: ``--backend ray`` on a local cluster of one node with 2 CPUs;
* ray 2 nodes: a head and one worker node of 1 CPU each, both on this machine's loopback.

Printed: wall time, its ratio to local, and whether the predictions equal local's. Ray times
include starting the task workers (each imports torch and loads the embedder once).

    python benchmarks/bench_ray_embed.py [--repeat 1] [--eval 2000] [--texts N]

On one 2-core machine Ray has no extra CPU to bring: local already runs torch on both cores, and
Ray adds worker start-up and moving texts and vectors between processes. What the table shows is
what Ray costs or gains on this machine, and that the predictions are the same. Ray pays off when the
table needs the CPUs of more than one machine.

Measured under the benchmark lock on a shared 2-core machine (other jobs ran unlocked beside it):

    arguments                  load avg (1 min)  local    Ray 1 node (2 CPUs)  Ray 2 nodes (1 CPU each)
    (defaults: 13,083 texts)   8.2 at the end    200.1 s  150.5 s (0.75x)      126.6 s (0.63x)
    --texts 4000 --eval 1000   1.5 / 2.2         36.2 s   28.5 s (0.79x)       33.2 s (0.92x)

Predictions equal local's in every Ray run. Ray finished first in both runs even here: its
shards run as tasks of one torch thread each, two at a time, rather than one process's torch
threads over small batches (not isolated further here); on a busy machine the order of the
three runs also meets different load.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED = Path(os.environ.get("TASKLADDER_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def write_task(folder: Path, repeat: int, n_eval: int, texts: int | None = None) -> Path:
    rows = []
    for name in ("train", "test"):
        with (SHARED / "banking77" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            rows += [(r["text"], r["category"]) for r in csv.DictReader(fh)]
    if texts:  # evenly spaced, so every intent stays in (the files are sorted by intent)
        rows = rows[:: max(1, len(rows) // texts)][:texts]
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "data.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "category"])
        for k in range(repeat):
            w.writerows([(f"{t} ({k})" if k else t, c) for t, c in rows])
    total = len(rows) * repeat
    (folder / "task.yaml").write_text(
        "name: b77-large\ninputs: [text]\noutputs: {category: label}\n"
        f"data: {{file: data.csv, split: {{dev: {n_eval / total}, test: 0, seed: 0}}}}\n"
    )
    return folder / "task.yaml"


def run_once(task_path: Path, home: Path, address: str | None) -> tuple[float, list, int]:
    from taskladder.runner import evaluate
    from taskladder.runner.backend import BackendSpec, use_backend
    from taskladder.store import Store
    from taskladder.task import load_task

    os.environ["TASKLADDER_HOME"] = str(home)  # a fresh, empty embedding cache
    task = load_task(task_path)
    start = time.perf_counter()
    with use_backend(BackendSpec("ray", address) if address else None, calls=False):
        result = evaluate(task, "baseline/embed-lr", store=Store(home / "runs.sqlite"), progress=False)
    wall = time.perf_counter() - start
    return wall, [r.prediction for r in result.records], len(task.train) + len(task.dev)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="copies of Banking77 train+test (13,083 texts each)")
    ap.add_argument("--eval", type=int, default=2000, help="examples in the evaluated split")
    ap.add_argument(
        "--texts",
        type=int,
        default=None,
        help="use only N texts of Banking77 train+test, evenly spaced (a shorter run on a busy machine)",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from ray.cluster_utils import Cluster

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        task = write_task(root / "task", args.repeat, args.eval, args.texts)
        wall, local, n = run_once(task, root / "local", None)
        rows.append(("local", wall, True))
        print(f"local: {wall:.1f}s on {n:,} texts", flush=True)
        node = {"object_store_memory": 200 * 1024**2}
        for label, shape in (("ray 1 node (2 CPUs)", [2]), ("ray 2 nodes (1 CPU each)", [1, 1])):
            cluster = Cluster(
                initialize_head=True,
                connect=False,
                head_node_args={**node, "num_cpus": shape[0], "include_dashboard": False},
            )
            try:
                for cpus in shape[1:]:
                    cluster.add_node(**node, num_cpus=cpus)
                cluster.wait_for_nodes()
                wall, preds, _ = run_once(task, root / label.split(" (")[0].replace(" ", "-"), cluster.address)
            finally:
                cluster.shutdown()
            rows.append((label, wall, preds == local))
            print(f"{label}: {wall:.1f}s", flush=True)
    table = f"{args.texts:,} of Banking77 train+test" if args.texts else "Banking77 train+test"
    print(f"\nbaseline/embed-lr on {n:,} texts ({table} x{args.repeat}), {os.cpu_count()} cores")
    print(f"{'backend':<26}{'wall s':>9}{'vs local':>10}  predictions = local")
    for label, wall, same in rows:
        print(f"{label:<26}{wall:>9.1f}{wall / rows[0][1]:>9.2f}x  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
