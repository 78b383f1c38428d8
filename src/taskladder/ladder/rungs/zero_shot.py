"""zero-shot: the instruction and the input, no demos."""

from __future__ import annotations

from ...pipeline import PipelineSpec
from ...pipeline.spec import ZERO_SHOT
from .base import LadderContext, ModelRung, ModelState


class ZeroShot(ModelRung):
    name = ZERO_SHOT

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        return PipelineSpec(model=model.name, rung=self.name, params={"max_tokens": ctx.answer_tokens})
