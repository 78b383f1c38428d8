"""max-shots: as many demos as fit the packing budget (many-shot in-context learning)."""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from ...pipeline.spec import MAX_SHOTS
from .base import LadderContext, ModelRung, ModelState


class MaxShots(ModelRung):
    name = MAX_SHOTS

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params={"max_tokens": ctx.answer_tokens},
                            demos=DemoSpec(strategy=ctx.spread, k=o.max_shots_cap, seed=o.seed, max_shots=True,
                                           max_prompt_tokens=o.max_prompt_tokens))
