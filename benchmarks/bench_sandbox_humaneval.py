"""HumanEval through the verifier sandbox: all 164 canonical solutions must pass, broken ones fail.

    python benchmarks/bench_sandbox_humaneval.py [--workers 2] [--baseline-src DIR]

Reports pass counts and the per-problem cost (mean wall seconds of one ``run_python``, and
the total wall time at ``--workers``). ``--baseline-src`` points at another checkout's
``src`` (e.g. a worktree of the commit before the bwrap sandbox) to time its sandbox on the
same problems in the same run, interleaved by phase, for the overhead figure.
Needs TASKLADDER_SHARED_DATA (humaneval/HumanEval.jsonl.gz).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"


def measure(src: Path, workers: int) -> dict:
    code = f"""
import json, os, sys, time
sys.path.insert(0, {str(src)!r})
from taskladder.verify import humaneval_program, load_humaneval, run_many
problems = load_humaneval(os.path.join(os.environ["TASKLADDER_SHARED_DATA"], "humaneval", "HumanEval.jsonl.gz"))
start = time.perf_counter()
good = run_many([humaneval_program(p) for p in problems], workers={workers})
wall = time.perf_counter() - start
broken = [humaneval_program(problems[k], "    return None\\n" if k % 8 == 0 else problems[(k + 1) % 164]["canonical_solution"])
          for k in range(0, 164, 4)]
bad = run_many(broken, workers={workers})
print(json.dumps({{"passed": sum(r.passed for r in good), "total": len(good),
    "failing": [p["task_id"] for p, r in zip(problems, good) if not r.passed],
    "broken_passed": sum(r.passed for r in bad), "broken": len(bad),
    "mean_s": sum(r.duration_s for r in good) / len(good), "wall_s": wall,
    "isolation": good[0].isolation if hasattr(good[0], "isolation") else "in-process layers"}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-src", type=Path)
    args = ap.parse_args()
    runs = {"this": HERE} | ({"baseline": args.baseline_src} if args.baseline_src else {})
    for name, src in runs.items():
        t = time.perf_counter()
        r = measure(src, args.workers)
        print(f"{name:9s} [{r['isolation']}] canonical {r['passed']}/{r['total']} pass, broken {r['broken_passed']}/"
              f"{r['broken']} pass; per problem {r['mean_s'] * 1000:.0f} ms (mean run_python), 164 in "
              f"{r['wall_s']:.1f} s at {args.workers} workers; failing {r['failing']} ({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
