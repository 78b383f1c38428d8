"""Banking77 cascade: an offline baseline in front of a (simulated) strong LLM.

Run: python benchmarks/bench_cascade.py [/work/shared/data/banking77] [--cheap baseline/tfidf-lr]
     [--accuracy 0.95] [--price-in 2.5 --price-out 10]

Caveat: the simulated LLM's errors are independent of the baseline's, while a real LLM's
errors tend to fall on the same hard messages; the saving measured here is an upper bound of
what the same curve would show with a real model.

The strong tier is a scripted model that answers through the real call path (cache, token
counts, pricing): right on a fixed, hash-chosen share `--accuracy` of messages, a wrong
intent otherwise, priced per token like a mid-size hosted LLM. Train: Banking77 train minus a
seeded 10% dev split (the threshold is chosen there, at the strong tier's own dev quality);
everything is then measured on the full test split (3,080 rows): the cascade (strong tier
called only for escalated messages) against the strong tier alone, in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
TARGET_SAVING = 0.30  # the cascade should cost at least 30% less at no significant quality loss

GOLD: dict[str, str] = {}
LABELS: list[str] = []
ACCURACY = [0.95]


def oracle(messages: list[dict]) -> str:
    """The simulated strong LLM: the gold intent, except on a fixed hash-chosen share of texts."""
    text = messages[-1]["content"]
    gold = GOLD[text]
    draw = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if draw < ACCURACY[0]:
        return gold
    return LABELS[(LABELS.index(gold) + 1 + int(draw * 1000) % (len(LABELS) - 1)) % len(LABELS)]


def load(data: Path, tmp: Path):
    from taskladder.task import load_task

    spec = tmp / "banking77.yaml"
    spec.write_text(
        "name: banking77\ninstructions: Classify the online-banking message into exactly one intent.\n"
        f"data: {{train: '{data / 'train.csv'}', test: '{data / 'test.csv'}', split: {{dev: 0.1, seed: 0}}}}\n"
        "inputs: [text]\noutputs: {category: label}\nmetric: accuracy\nvolume: {calls_per_day: 20000}\n")
    return load_task(spec)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=DATA)
    parser.add_argument("--cheap", action="append", help="cheap tier(s); default baseline/tfidf-lr")
    parser.add_argument("--accuracy", type=float, default=0.95)
    parser.add_argument("--price-in", type=float, default=2.5, help="$ per million input tokens")
    parser.add_argument("--price-out", type=float, default=10.0, help="$ per million output tokens")
    args = parser.parse_args()
    if not (args.data / "train.csv").exists():
        sys.exit(f"{args.data}/train.csv not found; pass the banking77 folder")
    os.environ.setdefault("TASKLADDER_HOME", tempfile.mkdtemp(prefix="bench-cascade-"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.modules.setdefault("bench_cascade", sys.modules[__name__])  # the scripted model imports this module
    ACCURACY[0] = args.accuracy

    from taskladder.cascade import cascade_rung
    from taskladder.metrics import paired_bootstrap_scores
    from taskladder.models.config import ModelConfig
    from taskladder.pipeline import PipelineSpec
    from taskladder.runner import evaluate
    from taskladder.store import Store

    task = load(args.data, Path(tempfile.mkdtemp()))
    GOLD.update((e.inputs["text"].strip(), e.outputs["category"]) for e in task.train + task.dev + task.test)
    LABELS[:] = task.labels("category")
    models = {"strong": ModelConfig(name="strong", model="scripted", script={"callable": "bench_cascade:oracle"},
                                    concurrency=64, price={"input_per_mtok": args.price_in,
                                                           "output_per_mtok": args.price_out})}
    strong = PipelineSpec(model="strong")
    store = Store()
    print(f"Banking77: train {len(task.train)}, dev {len(task.dev)}, test {len(task.test)}; strong tier: simulated "
          f"LLM, accuracy {args.accuracy:.2f}, ${args.price_in}/${args.price_out} per Mtok in/out")
    for cheap in args.cheap or ["baseline/tfidf-lr"]:
        start = time.perf_counter()
        r = cascade_rung(task, cheap, strong, models, store, split="dev", confirm_split="test")
        took = time.perf_counter() - start
        print(f"\n== {cheap} -> strong  (dev: threshold chosen at the strong tier's dev quality; {took:.0f} s)")
        print(f"dev   cheap alone {r.cheap_alone['score']:.4f} · strong alone {r.strong_alone['score']:.4f} "
              f"(${r.strong_alone['cost_per_1k_calls']:.4f}/1k) · cascade {r.score:.4f} at threshold "
              f"{r.threshold:.4f}, escalated {r.share_escalated:.1%}, ${r.cost_per_1k_calls:.4f}/1k")
        print("cost-quality curve on dev (threshold, escalated, accuracy, $/1k calls):")
        for p in r.curve:
            mark = "  <- chosen" if p.threshold == r.threshold else ""
            print(f"  {p.threshold:7.4f}  {p.share_escalated:6.1%}  {p.score:.4f}  ${p.cost_per_1k_calls:.4f}{mark}")
        # The peer, measured in the same run: the strong tier alone on the test split.
        alone = evaluate(task, strong, split="test", models=models, store=store, progress=False)
        t, a = r.test, alone.summary
        by_id = {rec.example_id: rec.score for rec in alone.records}
        cascade_by_id = {rec.example_id: rec.score for rec in store.get_records(t["run_id"])}
        ids = list(by_id)
        cmp = paired_bootstrap_scores([by_id[i] for i in ids], [cascade_by_id[i] for i in ids])
        ratio = t["cost_per_1k_calls"] / a["cost_per_1k_calls"]
        print(f"test  strong alone (peer): accuracy {a['score']:.4f} [{a['ci_low']:.4f}, {a['ci_high']:.4f}] · "
              f"${a['cost_per_1k_calls']:.4f}/1k · ${a['projected_monthly_usd']:.2f}/month at 20k calls/day")
        print(f"test  cascade:             accuracy {t['score']:.4f} [{t['ci_low']:.4f}, {t['ci_high']:.4f}] · "
              f"${t['cost_per_1k_calls']:.4f}/1k · ${t['projected_monthly_usd']:.2f}/month · escalated "
              f"{t['share_escalated']:.1%} ({t['calls'] + t['cached_calls']} strong calls for {t['n']} messages, "
              f"{t['cached_calls']} of them from the cache)")
        print(f"test  cascade - strong: {cmp.diff:+.4f} [{cmp.ci_low:+.4f}, {cmp.ci_high:+.4f}], p={cmp.p_value:.3f}")
        ok = (1 - ratio) >= TARGET_SAVING and not (cmp.diff < 0 and cmp.p_value < 0.05)
        print(f"cost ratio cascade/strong = {ratio:.3f} -> saving {1 - ratio:.1%} at the strong tier's quality "
              f"(target: saving >= {TARGET_SAVING:.0%}, not significantly worse) -> {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
