"""few-shot: k demos from train, spread over the labels (random for other tasks)."""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from ...pipeline.spec import FEW_SHOT
from .base import LadderContext, ModelRung, ModelState


class FewShot(ModelRung):
    name = FEW_SHOT

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params={"max_tokens": ctx.answer_tokens},
                            demos=DemoSpec(strategy=ctx.spread, k=o.shots, seed=o.seed))
