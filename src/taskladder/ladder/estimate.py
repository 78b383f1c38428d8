"""What a rung will cost before it runs: the exact prompts it will send, priced.

The prompts are rendered as the run will render them, so their cache keys are known:
calls already in the cache cost nothing and are not counted. Two figures come out:
``typical_usd`` (the longest expected answer as output) and ``max_usd`` (the same
worst-case bound the budget reserves per call), which the climb compares to its budget.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..demos import make_selector
from ..models.config import ModelConfig
from ..models.pricing import lookup_price
from ..pipeline.llm import LLMPipeline
from ..pipeline.spec import DemoSpec, PipelineSpec
from ..prompt import count_text_tokens, render_messages
from ..runner.budget import worst_case_cost
from ..runner.calls import ModelCaller, call_key, exact_call_key, hit_fits
from ..store import Store
from ..task import Example, Task

# A rationale adds roughly this many tokens to a demo (for estimates before bootstrapping).
RATIONALE_PLACEHOLDER = "Because " + "the message mentions the key detail that decides it " * 5


@dataclass
class Estimate:
    calls: int
    cached_calls: int
    typical_usd: float | None
    max_usd: float | None
    # Typical price of answering one example, cached or not (bootstrap calls left out): what a
    # model that cannot be called yet would cost per call in production.
    per_example_usd: float | None = None

    def projected(self, calls_per_day: float) -> tuple[float | None, float | None]:
        """($ per 1k calls, $ per month) at ``calls_per_day``, as a run's summary computes them."""
        if self.per_example_usd is None:
            return None, None
        return self.per_example_usd * 1000, self.per_example_usd * calls_per_day * 30


def estimate_rung(task: Task, spec: PipelineSpec, cfg: ModelConfig, store: Store, examples: Sequence[Example]) -> Estimate:
    price = lookup_price(cfg)
    caller = ModelCaller(cfg, store)
    pipeline = LLMPipeline(spec, task, {cfg.name: cfg})
    messages: list[list[dict[str, str]]] = []
    if spec.demos and spec.demos.rationales:
        # The bootstrap's own calls (one CoT call per pooled train example), then the run,
        # with placeholder rationales standing in for the ones not generated yet.
        messages += _bootstrap_messages(task, spec, pipeline)
        _prepare_with_placeholders(pipeline, task, spec, cfg)
    else:
        _prepare_sync(pipeline, caller)
    params = caller.params(spec.params)
    keys = [call_key(caller.identity, m, params, 0) for m in messages]  # the rationale bootstrap's calls
    exact = [exact_call_key(caller.identity, m, params, 0) for m in messages]
    bootstrap = len(messages)
    samples = spec.sampling.n if spec.sampling else 1
    if spec.sampling:
        params = caller.params({**spec.params, "temperature": spec.sampling.temperature})
    for e in examples:
        m = pipeline.messages(e)[0]
        for i in range(samples):
            messages.append(m)
            keys.append(call_key(caller.identity, m, params, i))
            exact.append(exact_call_key(caller.identity, m, params, i))
    shared = {k for k, hit in store.get_calls(keys).items() if hit_fits(hit, params)}
    capped = set(store.get_calls(exact)) if "max_tokens" in params else set()
    fresh = [k not in shared and x not in capped for k, x in zip(keys, exact)]
    todo = [m for m, new in zip(messages, fresh) if new]
    if price is None:
        return Estimate(len(messages), len(messages) - len(todo), None, None)

    answer = _typical_answer_tokens(task, spec)
    costs = [price.cost(sum(count_text_tokens([m["content"] for m in msgs], "gpt-4o")) + 8 * len(msgs), answer)
             for msgs in messages]
    typical = sum(c for c, new in zip(costs, fresh) if new)
    worst = sum(worst_case_cost(price, msgs, params.get("max_tokens")) for msgs in todo)
    per_example = sum(costs[bootstrap:]) / len(examples) if examples else None
    return Estimate(len(messages), len(messages) - len(todo), typical, worst, per_example)


def _typical_answer_tokens(task: Task, spec: PipelineSpec) -> int:
    outs = [json.dumps(e.outputs, ensure_ascii=False) for e in task.train[:500]] or ["x"]
    counts = count_text_tokens(outs, "gpt-4o")
    typical = int(sum(counts) / len(counts)) + 4
    return typical + (150 if spec.reasoning else 0)


def _prepare_sync(pipeline: LLMPipeline, caller: ModelCaller) -> None:
    asyncio.run(pipeline.aprepare(caller))


def _demos_of(spec: PipelineSpec) -> DemoSpec:
    """The demos of a spec that uses rationale demos (the only specs these helpers see)."""
    if spec.demos is None:
        raise ValueError(f"{spec.label()} has no demos to bootstrap rationales for")
    return spec.demos


def _bootstrap_messages(task: Task, spec: PipelineSpec, pipeline: LLMPipeline) -> list[list[dict[str, str]]]:
    demos = _demos_of(spec)
    pool = list(task.train)
    random.Random(demos.seed).shuffle(pool)
    return [render_messages(task.spec, e, [], reasoning=True, labels=pipeline.labels)
            for e in pool[: demos.rationale_pool]]


def _prepare_with_placeholders(pipeline: LLMPipeline, task: Task, spec: PipelineSpec, cfg: ModelConfig) -> None:
    demos = _demos_of(spec)
    pool = list(task.train)
    random.Random(demos.seed).shuffle(pool)
    pool = [Example(id=e.id, inputs=e.inputs, outputs=e.outputs, extra={**e.extra, "rationale": RATIONALE_PLACEHOLDER})
            for e in pool[: demos.rationale_pool]]
    selector = make_selector(demos.strategy, max(1, min(demos.k, len(pool) or 1)), seed=demos.seed)
    selector.fit(pool)
    pipeline._selector = selector
    pipeline._model = cfg.model
