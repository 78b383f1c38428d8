"""`climb` on Banking77 with the offline baselines only, beside the published figures.

    python benchmarks/bench_climb_banking77.py [--data ../shared/data/banking77]

Runs the real `climb` (dev = a seeded 10% of train, as examples/banking77/task.yaml says),
then confirms the recommendation on the 3,080-example test split. Each baseline is also
scored on test so the figures line up with the papers'.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = [
    ("USE+ConveRT, full data (Casanueva et al. 2020)", 93.36),
    ("USE+ConveRT, 10 per intent (Casanueva et al. 2020)", 85.19),
    ("MiniLM-L6 LR probe, 8 per intent (MTEB)", 80.04),
    ("measured here before: 1-NN MiniLM, full", 92.05),
    ("measured here before: MiniLM + LR, full", 92.95),
    ("measured here before: TF-IDF(1-2) + LR, full", 89.38),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "banking77"))
    args = ap.parse_args()
    os.environ.setdefault("TASKLADDER_HOME", tempfile.mkdtemp(prefix="tl-bench-"))
    from taskladder.ladder import climb
    from taskladder.runner import evaluate
    from taskladder.task import load_task

    task = load_task(REPO / "examples" / "banking77" / "task.yaml", data_dir=Path(args.data))
    start = time.perf_counter()
    result = climb(task, [], {}, progress=False, out_dir=Path(os.environ["TASKLADDER_HOME"]) / "out")
    elapsed = time.perf_counter() - start
    print(f"Banking77: train {len(task.train)}, dev {len(task.dev)}, test {len(task.test)}; climb took {elapsed:.1f} s")
    print(f"{'pipeline':<44}{'dev acc':>9}{'test acc':>10}")
    for r in result.rungs:
        if r.status != "ran":
            print(f"{r.model:<44}{r.status:>19}")
            continue
        test = evaluate(task, r.model, split="test", progress=False).summary["score"]
        print(f"{r.model:<44}{r.score * 100:>9.2f}{test * 100:>10.2f}")
    rec = result.recommendation
    if rec:
        print(f"recommendation: {rec['model']} (dev {rec['score'] * 100:.2f}); "
              f"confirmed on test: {result.test['score'] * 100:.2f} [{result.test['ci_low'] * 100:.2f}-"
              f"{result.test['ci_high'] * 100:.2f}]")
    print("published / reference figures (test accuracy):")
    for name, value in PUBLISHED:
        print(f"  {name:<52}{value:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
