"""consensus: the model's best rung so far, sampled n times and majority-voted (self-consistency)."""

from __future__ import annotations

from typing import Any

from ...pipeline import PipelineSpec, SamplingSpec
from ..options import LadderOptions
from .base import LadderContext, ModelRung, ModelState
from .zero_shot import ZeroShot


def consensus_of(pipeline: dict[str, Any], options: LadderOptions) -> PipelineSpec:
    """The given pipeline, sampled ``options.samples`` times and voted (self-consistency)."""
    fields = {k: v for k, v in pipeline.items() if k in PipelineSpec.model_fields}
    fields.update(rung=Consensus.name,
                  sampling=SamplingSpec(n=options.samples, temperature=options.sample_temperature))
    return PipelineSpec.model_validate(fields)


class Consensus(ModelRung):
    name = "consensus"

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        base = model.best.run.pipeline if model.best else ZeroShot().spec(ctx, model).model_dump()
        return consensus_of(base, ctx.options)
