"""``taskladder report`` on runs of growing size: wall time and peak RSS, streamed (the command:
each run read once from the store, a page at a time) against the whole-list path it replaced
(every record of every run loaded first), in the same process run, on the same store (issue 20).

Each report is its own process, so its peak RSS (from ``wait4``) is its own. The store holds two
runs of ``n`` records each (a label field with 12 classes, errors, parse failures, invented
labels), so the per-label tables, confusion matrices and worst errors all have work to do.

    python benchmarks/bench_report_memory.py                       # n = 10,000 and 50,000
    python benchmarks/bench_report_memory.py --n 10000 100000 1000000

Measured (2 cores, under the benchmark lock, load 1.5; ``--n 20000 100000``): streamed 4.1 s /
238 MB at 20,000 and 5.8 s / 238 MB at 100,000 records per run; the whole-list path 4.6 s /
385 MB and 9.0 s / 976 MB (4.1x the streamed peak at 100,000); both pages the same size.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LABELS = [f"class-{i}" for i in range(12)]

# The whole-list path, as `taskladder report` ran before it streamed: every run's records in memory.
WHOLE = """
import sys
from taskladder.cli.cmd_report import latest_runs
from taskladder.report import write_report
from taskladder.store import Store
from taskladder.task import TaskSpec
store = Store(sys.argv[1])
runs = latest_runs(store, "bench")
pairs = [(r, store.get_records(r.run_id)) for r in runs]
write_report(pairs, sys.argv[2], task_spec=TaskSpec.model_validate(runs[0].task_spec))
"""


def fill(store_path: Path, n: int) -> None:
    from taskladder.store import Store
    from taskladder.store.records import Record, RunInfo

    store = Store(store_path)
    spec = {
        "name": "bench",
        "inputs": ["text"],
        "outputs": {"label": {"type": "label", "labels": LABELS}},
        "data": {"file": "x.csv"},
    }
    for k in range(2):
        rng = random.Random(k)
        run_id = f"run-{k}"
        batch: list[Record] = []
        for i in range(n):
            truth = LABELS[i % len(LABELS)]
            u = rng.random()
            pred = (
                None if u < 0.04 else {"label": "made-up" if u < 0.06 else (truth if u < 0.8 else rng.choice(LABELS))}
            )
            batch.append(
                Record(
                    run_id=run_id,
                    example_id=f"e{i}",
                    split="dev",
                    inputs={"text": f"message number {i} about something or other"},
                    expected={"label": truth},
                    prediction=pred,
                    raw_text=str(pred),
                    parse_status="ok" if pred else "failed",
                    score=None if pred is None else float(pred["label"] == truth),
                    cost_usd=1e-5,
                    latency_ms=100.0,
                )
            )
            if len(batch) == 5000:
                store.put_records(batch)
                batch = []
        store.put_records(batch)
        summary = {"score": 0.7 + k / 10, "ci_low": 0.6, "ci_high": 0.9, "n": n, "metric": "accuracy"}
        store.save_run(
            RunInfo(
                run_id=run_id,
                task="bench",
                model=f"model-{k}",
                split="dev",
                status="finished",
                pipeline={"kind": "llm"},
                metric="accuracy",
                task_spec=spec,
                created_at=time.time() + k,
                summary={**summary, "cost_per_1k_calls": 0.1 * (k + 1)},
            ),
            run_id,
        )
    store.close()


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 50_000], help="records per run (two runs)")
    args = ap.parse_args()
    rows = []
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            store_path = home / "taskladder.sqlite"
            fill(store_path, n)
            env = {**os.environ, "TASKLADDER_HOME": str(home)}
            streamed = measure(
                [sys.executable, "-m", "taskladder", "report", "--task", "bench", "-o", "s.html"], env, home
            )
            whole = measure([sys.executable, "-c", WHOLE, str(store_path), "w.html"], env, home)
            same = (home / "s.html").stat().st_size == (home / "w.html").stat().st_size
            rows.append((n, streamed, whole, same))
    print(f"report of 2 runs x n records; load {os.getloadavg()}")
    print(f"{'n':>10} {'streamed s':>11} {'MB':>6} {'whole-list s':>13} {'MB':>6} {'RSS ratio':>10} same size")
    for n, (sw, sm), (ww, wm), same in rows:
        print(f"{n:>10,} {sw:11.1f} {sm:6.0f} {ww:13.1f} {wm:6.0f} {wm / sm:9.2f}x {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
