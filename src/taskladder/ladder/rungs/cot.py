"""cot: reason step by step before answering, with a few demos."""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from .base import LadderContext, ModelRung, ModelState

REASONING_TOKENS = 512  # room for the reasoning on top of the answer


def reasoning_params(ctx: LadderContext) -> dict[str, int]:
    return {"max_tokens": ctx.answer_tokens + REASONING_TOKENS}


class Cot(ModelRung):
    name = "cot"

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params=reasoning_params(ctx), reasoning=True,
                            demos=DemoSpec(strategy=ctx.spread, k=min(o.shots, 4), seed=o.seed))
