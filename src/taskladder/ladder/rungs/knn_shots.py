"""knn-shots: the k train examples nearest each input (BM25) as its demos."""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from ...pipeline.spec import KNN_SHOTS
from .base import LadderContext, ModelRung, ModelState


class KnnShots(ModelRung):
    name = KNN_SHOTS

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params={"max_tokens": ctx.answer_tokens},
                            demos=DemoSpec(strategy="bm25", k=o.shots, seed=o.seed))
