"""Issue 15's fine-tuning target on the support-ticket example: SmolLM2-135M-Instruct LoRA-tuned
(``taskladder tune``) to >= 90% test accuracy with <= 6 minutes of training on 2 CPU cores.

    flock /work/tools/bench.lock nice -n 5 python benchmarks/bench_tune_tickets.py \
        [--rows 336] [--epochs 2] [--lr 1e-3] [--batch 8] [--rank 16] [--threads 2] [--peer baseline/embed-lr]

Trains on the first ``--rows`` train tickets (dev loss picks the epoch), then the tuned model
answers the held-out test split greedily from the zero-shot prompt it learnt; prints test
accuracy with its 95% bootstrap interval, the training loop's wall seconds (what the target
bounds) and the process CPU seconds it took (fairer on a shared machine), the load average
before and after, and the same test split scored by ``--peer`` (an offline baseline) in the
same run, with the gap. A fresh temporary home per run unless TASKLADDER_HOME is set (then its
de-quantised SmolLM2 folder is reused); the tuned model is replaced, never reused.

Measured 2026-12-06 on the shared 2-core machine, locked (other helpers' unlocked jobs still ran;
the load average is printed with each), TASKLADDER_HOME=/tmp/s27ft/home, 2 torch threads:
  --epochs 2 (defaults; 336 rows, 84 steps): test 97.3% [93.8-100.0] (n=112), embed-lr 86.6%
      [80.4-92.0] on the same split (+10.7%); training loop 589 s wall (7.02 s/step), 752 s CPU
      for the whole tune call; load average 8.21 at the start, 2.03 at the end. Dev losses 0.0958
      after epoch 1, 0.0954 after epoch 2: the second epoch adds almost nothing. Time target NOT met
      under that load.
  --epochs 1 --peer '' (336 rows, 42 steps, lr 1e-3 decayed to 0 within the one epoch): test
      67.0% [58.9-75.9], dev loss 0.1556; training loop 228 s wall (5.42 s/step), 355 s CPU;
      load average 2.22 -> 2.06. Halving the schedule at the same peak lr under-trains: after
      42 steps the 2-epoch run's dev loss was already 0.0958 because its lr was still high.
  --epochs 1 --lr 2e-3 (42 steps): test 88.4% [82.1-93.8], embed-lr 86.6% (+1.8%); dev loss
      0.1124; training loop 153 s wall (3.63 s/step), 282 s CPU; load average 1.60 -> 2.10.
      Closest one-epoch figure, still under 90%. Not measured: 2 epochs at this load (84 steps at
      the 3.63 s/step seen here would be ~305 s, but that is arithmetic, not a run).
  --epochs 2 again, on an otherwise idle machine (load average 2.05 before, 1.97 after: this
      run alone): test 97.3% [93.8-100.0] (n=112), embed-lr 86.6% (+10.7%); training loop 435 s
      wall (5.18 s/step), whole tune call 447 s wall / 699 s CPU; dev losses 0.0958, 0.0954.
      Quality target met, time target (<= 360 s) NOT met: 75 s over. The first epoch alone reaches
      the final dev loss, but only because its learning rate is still high mid-schedule; a
      one-epoch schedule decays too early (the 67.0% and 88.4% runs above).
  --epochs 1 --lr 3e-3 (42 steps; locked, load 0.90 -> 1.64): test 92.0% [86.6-96.4], embed-lr
      86.6% (+5.4%); training loop 136 s wall (3.24 s/step), 280 s CPU; dev loss 0.1085. TARGET MET.
  --epochs 1 --lr 3e-3 --seed 1 --peer '' (locked, load 1.58 -> 1.85): test 96.4% [92.9-99.1];
      training loop 128 s wall, 265 s CPU; dev loss 0.0904. Met again with another seed.
      (tune's defaults stay lr 1e-3, 2 epochs: the demo climb's README table was measured with them.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

TARGET_ACC, TARGET_TRAIN_S = 0.90, 360.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default=str(REPO / "examples/support_tickets/task.yaml"))
    ap.add_argument("--base", default="local/smollm2")
    ap.add_argument("--rows", type=int, default=None, help="first N train rows (default: all)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--peer", default="baseline/embed-lr", help="'' to skip")
    args = ap.parse_args()
    if os.environ.get("TASKLADDER_HOME"):  # reuse its de-quantised SmolLM2; the tuned model is replaced
        run(args, Path(os.environ["TASKLADDER_HOME"]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TASKLADDER_HOME"] = tmp  # before taskladder reads its settings
        run(args, Path(tmp))


def run(args: argparse.Namespace, home: Path) -> None:
    from taskladder.runner import evaluate
    from taskladder.settings import Settings
    from taskladder.store import Store
    from taskladder.task import load_task
    from taskladder.tune import TuneConfig, tune
    from taskladder.tune.data import check_enough, pair_for

    task = load_task(args.task)
    train = [pair_for(task, e) for e in task.train[: args.rows]]
    check_enough(train, "--rows")
    dev = [pair_for(task, e) for e in task.dev]
    load_before = os.getloadavg()
    cfg = TuneConfig(
        base=args.base,
        name="bench-tickets",
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch,
        rank=args.rank,
        seed=args.seed,
        threads=args.threads,
    )
    cpu, started = time.process_time(), time.perf_counter()
    tuned = tune(train, dev, cfg, home, overwrite=True)
    process_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    Store.default(Settings.from_env()).clear_cache(model=f"local/{tuned.name}")  # answers of replaced weights
    started = time.perf_counter()
    ev = evaluate(task, f"local/{tuned.name}", split="test", progress=False)
    eval_s = time.perf_counter() - started
    load_after = os.getloadavg()
    s = ev.summary
    acc = s.score or 0.0
    print(
        f"{args.base} on support tickets: {len(train)} train rows, {len(dev)} dev, {s.n} test; "
        f"LoRA r={args.rank} lr={args.lr:g} batch {args.batch}, {args.epochs} epoch(s) max, {args.threads} torch threads, seed {args.seed}"
    )
    print(
        f"steps {tuned.steps}, epochs run {tuned.epochs_run}, best epoch {tuned.best_epoch}, dev losses "
        f"{[round(x, 4) for x in tuned.dev_losses]}, train tokens {tuned.train_tokens}"
    )
    print(
        f"training loop {tuned.wall_s:.0f} s wall ({tuned.wall_s / max(1, tuned.steps):.2f} s/step); whole tune "
        f"call {process_s:.0f} s wall, {cpu_s:.0f} s CPU (load, training, dev losses, merge)"
    )
    print(f"test accuracy {acc:.1%} [{s.ci_low or 0:.1%}-{s.ci_high or 0:.1%}] (n={s.n}), generation {eval_s:.0f} s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    if args.peer:
        peer = evaluate(task, args.peer, split="test", progress=False).summary
        print(
            f"{args.peer} on the same test split: {peer.score or 0:.1%} [{peer.ci_low or 0:.1%}-"
            f"{peer.ci_high or 0:.1%}]; tuned SmolLM2 {acc - (peer.score or 0):+.1%}"
        )
    met = acc >= TARGET_ACC and tuned.wall_s <= TARGET_TRAIN_S
    print(
        f"target (>= {TARGET_ACC:.0%} test accuracy, <= {TARGET_TRAIN_S:.0f} s of training): "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
