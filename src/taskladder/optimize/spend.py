"""The optimiser's hard budget: every step is priced at its worst case before it starts, and
charged at its list price after it ran, cached calls included.

Charging cached calls too (once per candidate and example) makes the accounting the same on
every rerun: a search killed half-way and rerun replays its steps from the cache and is charged
for them exactly as the first time, so it takes the same decisions and the money paid across
both processes together (never more than the list price of the calls) stays within the limit.
Each step also runs under a ``runner.budget.Budget`` holding only what is left, so a call whose
worst case would not fit is refused by the caller as a last line of defence.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models.config import ModelConfig
from ..models.pricing import lookup_price
from ..pipeline import PipelineSpec
from ..pipeline.llm import LLMPipeline
from ..prompt import render_messages
from ..runner.budget import Budget, worst_case_cost
from ..runner.calls import ModelCaller
from ..store import Record, Store
from ..task import Example, Task


@dataclass(frozen=True)
class StepCost:
    usd: float
    calls: int

    def __add__(self, other: "StepCost") -> "StepCost":
        return StepCost(self.usd + other.usd, self.calls + other.calls)

    def covering(self, other: "StepCost") -> "StepCost":
        """The smallest cost that bounds both, dollars and calls each on its own: the most
        expensive confirmation in dollars need not be the one with the most calls, and for a
        free model every dollar figure is 0, so picking one of the two would drop the calls."""
        return StepCost(max(self.usd, other.usd), max(self.calls, other.calls))


NOTHING = StepCost(0.0, 0)


@dataclass
class SpendGuard:
    limit_usd: float
    max_calls: int | None = None
    # Held back for the confirmation on test: the most confirming any candidate evaluated so far
    # (one of them is the winner) can cost. It only grows, as candidates are evaluated.
    reserve: StepCost = NOTHING
    charged_usd: float = 0.0
    charged_calls: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)  # (candidate digest, example id) charged
    _bootstraps: set[str] = field(default_factory=set)

    def fits(self, cost: StepCost, *, use_reserve: bool = False, reserve: StepCost | None = None) -> bool:
        """Whether ``cost`` fits beside what was charged and the reserve (``reserve``: a larger one)."""
        held = NOTHING if use_reserve else (reserve or self.reserve)
        if self.charged_usd + held.usd + cost.usd > self.limit_usd + 1e-12:
            return False
        return self.max_calls is None or self.charged_calls + held.calls + cost.calls <= self.max_calls

    def step_budget(self, *, use_reserve: bool = False) -> Budget:
        """The caller-level cap for one step: what is left (the reserve too, for the confirmation)."""
        held = 0.0 if use_reserve else self.reserve.usd
        return Budget(max(0.0, self.limit_usd - held - self.charged_usd))

    def uncharged(self, digest: str, examples: Sequence[Example]) -> list[Example]:
        return [e for e in examples if (digest, e.id) not in self._seen]

    def charge_records(self, digest: str, records: Sequence[Record]) -> None:
        for r in records:
            if (digest, r.example_id) in self._seen:
                continue
            self._seen.add((digest, r.example_id))
            self.charged_usd += r.cost_usd or 0.0
            self.charged_calls += r.calls + r.cached_calls

    def charge_bootstrap(self, key: str, cost: StepCost) -> None:
        if key not in self._bootstraps:
            self._bootstraps.add(key)
            self.charged_usd += cost.usd
            self.charged_calls += cost.calls

    def bootstrap_charged(self, key: str) -> bool:
        return key in self._bootstraps


def bootstrap_key(spec: PipelineSpec) -> str | None:
    """What identifies a rationale bootstrap (its calls depend on these alone); None without one."""
    d = spec.demos
    if not d or not d.rationales:
        return None
    payload = {"seed": d.seed, "pool": d.rationale_pool, "params": spec.params}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def worst_case(task: Task, spec: PipelineSpec, cfg: ModelConfig, store: Store, examples: Sequence[Example],
               models: dict[str, ModelConfig]) -> tuple[StepCost, StepCost]:
    """The most ``spec`` can cost on ``examples`` (one call each) and, apart, its rationale
    bootstrap: prompts rendered as the run renders them, rationales as long as they can be."""
    price = lookup_price(cfg)
    max_tokens = spec.params.get("max_tokens")
    pipeline = LLMPipeline(spec, task, {**models, cfg.name: cfg})
    caller = ModelCaller(cfg, store)
    pool = _longest_rationales(task, spec) if spec.demos and spec.demos.rationales else None
    if spec.demos and spec.demos.k:
        asyncio.run(pipeline.aprepare(caller, pool=pool))  # no calls: a pool stands in for the bootstrap
    else:
        pipeline._model = cfg.model
    run = sum((worst_case_cost(price, pipeline.messages(e)[0], max_tokens) for e in examples), 0.0)
    bootstrap = NOTHING
    if pool is not None:
        tried = _bootstrap_pool(task, spec)
        usd = sum(worst_case_cost(price, render_messages(task.spec, e, [], reasoning=True, labels=pipeline.labels),
                                  max_tokens) for e in tried)
        bootstrap = StepCost(usd, len(tried))
    return StepCost(run, len(examples)), bootstrap


def _bootstrap_pool(task: Task, spec: PipelineSpec) -> list[Example]:
    """The train rows ``reasoning.bootstrap_rationales`` tries, in its order."""
    assert spec.demos is not None
    pool = list(task.train)
    random.Random(spec.demos.seed).shuffle(pool)
    return pool[: spec.demos.rationale_pool]


def _longest_rationales(task: Task, spec: PipelineSpec) -> list[Example]:
    """Every bootstrapped row as if its rationale had checked out and filled its whole answer cap."""
    longest = "step " * int(spec.params.get("max_tokens") or 512)
    return [Example(id=e.id, inputs=e.inputs, outputs=e.outputs, extra={**e.extra, "rationale": longest})
            for e in _bootstrap_pool(task, spec)]
