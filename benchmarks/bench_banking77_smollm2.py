"""Fine-tuned SmolLM2 against the offline baselines on Banking77 at 16 examples per intent,
all on the same data (issue 15: "report, whatever it shows").

Run: flock /work/tools/bench.lock nice -n 5 python benchmarks/bench_banking77_smollm2.py
     [--shots 16] [--dev-shots 2] [--test-limit 400] [--epochs 2] [--seed 0] [--max-length 1024]
     [--lr 1e-3] [--batch 8] [--threads N] [--skip-baselines]

Samples ``shots`` train and ``dev-shots`` dev examples per intent from Banking77 train
(disjoint, seeded) and a seeded ``test-limit`` sample of its test set, writes them as one task,
then on test: ``baseline/tfidf-lr`` and ``baseline/embed-lr`` trained on those train rows, and
SmolLM2-135M-Instruct LoRA-tuned on them (``taskladder tune``; dev loss picks the epoch),
answering by generation from the zero-shot prompt it learnt (77 intents in the prompt).
Prints accuracy and seconds for each, and the tuned model's gap to embed-lr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
from pathlib import Path

from bench_mix_banking77 import per_intent, rows  # the same seeded per-intent sampling

SHARED = Path(os.environ.get("TASKLADDER_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def write_csv(path: Path, data: list[tuple[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category"])
        writer.writerows(data)


def main() -> None:
    from taskladder.runner import evaluate
    from taskladder.task import load_task
    from taskladder.tune import TuneConfig, pairs_from_task, tune

    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", type=int, default=16)
    ap.add_argument("--dev-shots", type=int, default=2)
    ap.add_argument("--test-limit", type=int, default=400, help="seeded sample of the 3,080 test rows")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: every core)")
    # The 77 intents make a ~680-token prompt: tune's default max_length (512) would cut its start
    # off in training only, so the model would learn on prompts it never sees at test time.
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--skip-baselines", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    train_all, test_all = rows(SHARED / "banking77" / "train.csv"), rows(SHARED / "banking77" / "test.csv")
    train = per_intent(train_all, args.shots, rng, set())
    dev = per_intent(train_all, args.dev_shots, rng, {t for t, _ in train})
    test = random.Random(args.seed).sample(test_all, min(args.test_limit, len(test_all)))
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, part in (("train", train), ("dev", dev), ("test", test)):
            write_csv(folder / f"{name}.csv", part)
        (folder / "task.yaml").write_text(
            "name: banking77-16\ninstructions: Classify the online-banking customer's message into exactly one "
            "intent from the list.\ninputs: [text]\noutputs:\n  category: label\n"
            "data: {train: train.csv, dev: dev.csv, test: test.csv}\nmetric: accuracy\n",
            encoding="utf-8",
        )
        os.environ.setdefault("TASKLADDER_HOME", str(folder / "home"))
        task = load_task(folder / "task.yaml")
        for baseline in () if args.skip_baselines else ("baseline/tfidf-lr", "baseline/embed-lr"):
            started = time.perf_counter()
            ev = evaluate(task, baseline, split="test", progress=False)
            results[baseline] = {"accuracy": ev.summary.score or 0.0, "seconds": time.perf_counter() - started}
            print(json.dumps({baseline: results[baseline]}), flush=True)
        cfg = TuneConfig(
            base="local/smollm2",
            name="b77-smollm2",
            epochs=args.epochs,
            seed=args.seed,
            lr=args.lr,
            batch_size=args.batch,
            max_length=args.max_length,
            threads=args.threads,
        )
        started, cpu = time.perf_counter(), time.process_time()
        tuned = tune(
            pairs_from_task(task, "train"),
            pairs_from_task(task, "dev"),
            cfg,
            Path(os.environ["TASKLADDER_HOME"]),
            overwrite=True,
        )
        train_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        ev = evaluate(task, f"local/{tuned.name}", split="test", progress=False)
        results["smollm2 fine-tuned"] = {
            "accuracy": ev.summary.score or 0.0,
            "ci": [ev.summary.ci_low, ev.summary.ci_high],
            "train_loop_s": tuned.wall_s,
            "train_cpu_s": cpu_s,
            "seconds": time.perf_counter() - started,
            "train_s": train_s,
            "steps": tuned.steps,
            "best_epoch": tuned.best_epoch,
        }
        print(json.dumps({"smollm2 fine-tuned": results["smollm2 fine-tuned"]}), flush=True)
    print(
        f"\nBanking77, {args.shots} train + {args.dev_shots} dev per intent ({len(train)} + {len(dev)} rows), "
        f"test sample {len(test)}, seed {args.seed}"
    )
    print(f"{'model':<22} {'test acc':>8} {'eval s':>7} {'train s':>8}")
    for name, r in results.items():
        print(f"{name:<22} {r['accuracy']:>8.1%} {r['seconds']:>7.0f} {r.get('train_s', 0):>8.0f}")
    ft = results["smollm2 fine-tuned"]
    print(
        f"fine-tuned SmolLM2: 95% interval {ft['ci'][0]:.1%}-{ft['ci'][1]:.1%}, training loop "
        f"{ft['train_loop_s']:.0f} s wall ({ft['steps']:.0f} steps), tune call {ft['train_s']:.0f} s wall / "
        f"{ft['train_cpu_s']:.0f} s CPU; load average now {os.getloadavg()[0]:.2f}"
    )
    if "baseline/embed-lr" in results:
        gap = ft["accuracy"] - results["baseline/embed-lr"]["accuracy"]
        print(f"fine-tuned SmolLM2 vs baseline/embed-lr: {gap:+.1%} (same train rows, same test sample)")


if __name__ == "__main__":
    main()
