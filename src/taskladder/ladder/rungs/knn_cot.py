"""knn-cot: nearest-neighbour demos carrying self-generated rationales (Medprompt-style).

The rationales are bootstrapped by the pipeline itself from a pool of train examples
(``options.rationale_pool``); the estimate prices that bootstrap too.
"""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from .base import LadderContext, ModelRung, ModelState
from .cot import reasoning_params


class KnnCot(ModelRung):
    name = "knn-cot"

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params=reasoning_params(ctx), reasoning=True,
                            demos=DemoSpec(strategy="bm25", k=min(o.shots, 4), seed=o.seed, rationales=True,
                                           rationale_pool=o.rationale_pool))
