"""optimize: automatic prompt search (instructions × demo sets) for the model, under a share
of what is left of the climb's budget. Opt-in: it climbs only when ``--rungs`` names it.

The search itself scores on dev and confirms nothing (the climb confirms its recommendation
on test, as for every rung); its row is the winner's run on the climb's split, which the search
selected on, so compare it with the other rungs knowing it is the best of several tries.
"""

from __future__ import annotations

import math

from ...models.config import ModelConfig
from ...optimize import OptimizeOptions, optimize
from ...pipeline import PipelineSpec
from ...runner import EvalResult
from ..estimate import Estimate
from .base import ClimbState, LadderContext, ModelRung, ModelState

RUNG = "optimize"
BUDGET_SHARE = 0.5  # of what is left of the climb's budget when the rung starts


class Optimize(ModelRung):
    name = RUNG

    def applies(self, ctx: LadderContext) -> bool:
        return ctx.options.rungs is not None and RUNG in ctx.options.rungs

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        # A stand-in until the search has run: run() turns it into the winner.
        return PipelineSpec(model=model.name, rung=RUNG)

    def estimate(self, state: ClimbState, config: ModelConfig, spec: PipelineSpec) -> Estimate:
        share = _share(state)
        worst = None if math.isinf(share) else share
        return Estimate(calls=0, cached_calls=0, typical_usd=worst, max_usd=worst)

    def run(self, state: ClimbState, spec: PipelineSpec) -> EvalResult:
        o = state.options
        options = OptimizeOptions(shots=min(o.shots, 8), seed=o.seed, search_limit=state.limit, confirm=False,
                                  rationale_pool=min(o.rationale_pool, 16))
        result = optimize(state.task, spec.model, budget_usd=_share(state), models=state.models, store=state.store,
                          options=options, progress=state.progress)
        state.result.prompt_search.append(result.as_json())  # the report's "Prompt search" section
        if state.budget is not None:
            state.budget.settle(0.0, result.spent["total"])  # the search's calls ran under their own caps
        if result.spec is not None:
            for field in PipelineSpec.model_fields:  # the climb's row describes the winner
                setattr(spec, field, getattr(result.spec, field))
            spec.rung = RUNG
        return state.evaluate(spec)


def _share(state: ClimbState) -> float:
    if state.budget is None:
        return math.inf
    return max(0.0, state.budget.remaining_usd) * BUDGET_SHARE
