"""The same eval on the local backend and on Ray (1 and 2 call workers), against one loopback server.

A loopback OpenAI-compatible server in its own process answers every call after a fixed latency
(default 100 ms). The eval (default 10,000 examples, concurrency 32) runs end to end on a fresh
store each time: locally, then with ``--backend ray`` on a local cluster of a head and one worker
node (started here, stopped at the end) with 1 and then 2 call workers. Printed: wall time,
calls/s, and whether the records equal the local backend's (all fields but run id and latency).

    python benchmarks/bench_ray.py [--n 10000] [--latency-ms 100] [--concurrency 32]

On one machine Ray cannot beat local asyncio for network-bound calls (the driver still does all
the bookkeeping, and each call adds a hop to a worker); what the table shows is what that hop
costs, and that the results are the same. Ray pays off when the calls need more than one
machine's sockets, or the workers do heavy local work.

Measured 2026-12-06 (2 cores, locked, load 1.6 before and after; defaults):
  local 34.2 s (292 calls/s); ray, 1 worker 38.8 s (257/s, 0.88x local); ray, 2 workers 37.4 s
  (267/s, 0.91x local); records equal to the local backend's in both Ray runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def write_task(folder: Path, n: int) -> Path:
    data = folder / "data.csv"
    with data.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        for i in range(n + 10):
            w.writerow([f"e{i}", f"ray bench message {i}", "pos" if i % 2 else "neg"])
    (folder / "task.yaml").write_text(
        "name: bench\ninputs: [text]\noutputs: {label: label}\n"
        f"data: {{train: data.csv, id_column: id, split: {{dev: {n / (n + 10)}, test: 0, seed: 0}}}}\n")
    return folder / "task.yaml"


def comparable(records) -> list[dict]:
    return [r.model_dump(exclude={"run_id", "latency_ms"}) for r in records]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--latency-ms", type=float, default=100.0)
    p.add_argument("--concurrency", type=int, default=32)
    args = p.parse_args()

    from ray.cluster_utils import Cluster

    from taskladder.models.config import ModelConfig
    from taskladder.runner import evaluate
    from taskladder.runner.backend import BackendSpec, use_backend
    from taskladder.store import Store
    from taskladder.task import load_task
    from taskladder.testing import LoopbackProcess

    with tempfile.TemporaryDirectory() as tmp, LoopbackProcess(latency_ms=args.latency_ms) as srv:
        home = Path(tmp)
        task = load_task(write_task(home, args.n))
        assert srv.base_url is not None
        cfg = ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url,
                          concurrency=args.concurrency, price={"input_per_mtok": 0.1, "output_per_mtok": 0.4})

        def run(name: str):
            start = time.perf_counter()
            result = evaluate(task, "loop", models={"loop": cfg}, store=Store(home / f"{name}.sqlite"),
                              progress=False)
            return result, time.perf_counter() - start

        rows = []
        # Warm-up on its own tiny task, so the first timed run does not pay for imports.
        evaluate(load_task(write_task(Path(tempfile.mkdtemp(dir=tmp)), 20)), "loop", models={"loop": cfg},
                 store=Store(home / "warmup.sqlite"), progress=False)
        local, seconds = run("local")
        rows.append(("local", "-", seconds, True))
        node = {"num_cpus": 1, "object_store_memory": 100 * 1024**2}
        cluster = Cluster(initialize_head=True, connect=False, head_node_args={**node, "include_dashboard": False})
        try:
            cluster.add_node(**node)
            for workers in (1, 2):
                with use_backend(BackendSpec("ray", cluster.address, workers=workers)):
                    result, seconds = run(f"ray{workers}")
                rows.append(("ray", str(workers), seconds, comparable(result.records) == comparable(local.records)))
        finally:
            cluster.shutdown()

    print(f"\n{args.n} examples · loopback latency {args.latency_ms:.0f} ms · concurrency {args.concurrency} · "
          f"{os.cpu_count()} CPUs on this machine")
    print(f"{'backend':<8} {'workers':>7} {'seconds':>8} {'calls/s':>8}  records equal to local")
    for backend, workers, seconds, same in rows:
        print(f"{backend:<8} {workers:>7} {seconds:8.1f} {args.n / seconds:8.0f}  {'yes' if same else 'NO'}")
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
