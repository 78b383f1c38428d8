"""Demos: the pool (train rows, or bootstrapped rationales), the selector, and per-example picks."""

from __future__ import annotations

import random
from typing import Any

from ...demos import make_selector
from ...demos.order import ordered
from ...models.caller import Caller
from ...prompt import context_window
from ...reasoning import bootstrap_rationales
from ...task import Example, Task
from ..spec import DemoSpec

DEFAULT_CONTEXT_TOKENS = 8192  # when neither the config nor LiteLLM knows the window
# Stands in for a rationale not bootstrapped yet (a plan or an estimate before any call);
# about as long as a real one, and plainly not one.
RATIONALE_PLACEHOLDER = "[rationale the model writes in the bootstrap, not generated yet]"


async def demo_pool(task: Task, demos: DemoSpec, caller: Caller, params: dict[str, Any]) -> list[Example]:
    """Train rows; for rationale demos, the rows whose bootstrapped rationale checked out (this calls the model)."""
    if not demos.rationales:
        return list(task.train)
    result = await bootstrap_rationales(task, caller, n=demos.rationale_pool, seed=demos.seed, params=params)
    return result.demos


def placeholder_pool(task: Task, demos: DemoSpec) -> list[Example]:
    """The train rows the bootstrap would try (same seed, same order), each with a placeholder
    rationale: every one of them, as if every rationale checked out (the most demos it can give)."""

    pool = list(task.train)
    random.Random(demos.seed).shuffle(pool)
    return [Example(id=e.id, inputs=e.inputs, outputs=e.outputs, extra={**e.extra, "rationale": RATIONALE_PLACEHOLDER})
            for e in pool[: demos.rationale_pool]]


def fit_selector(demos: DemoSpec, pool: list[Example]):
    """The fitted demo selector; None for an empty pool (no bootstrapped rationale checked
    out), whose prompts then carry no demos, as the run's label and shots_used_mean say."""
    if not pool:
        return None
    selector = make_selector(demos.strategy, max(1, min(demos.k, len(pool) or 1)), seed=demos.seed)
    selector.fit(pool)
    return selector


def packing_budget(demos: DemoSpec, configured_window: int | None, model: str) -> int | None:
    """max-shots: the prompt token budget demos are packed into; None when not packing."""
    if not demos.max_shots:
        return None
    return demos.max_prompt_tokens or configured_window or context_window(model) or DEFAULT_CONTEXT_TOKENS


def pick_demos(selector, example: Example, k: int, packing: bool, order: str | None = None) -> list[Example]:
    if selector is None:
        return []
    if packing:
        # max-shots: a ranked list (best first) up to k, packed later until the context is full.
        return selector.ranked(example, k)
    return ordered(selector.select(example), order)
