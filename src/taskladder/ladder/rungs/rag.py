"""rag: passages retrieved from the task's documents, plus a few nearest demos.

Only for tasks that name documents; elsewhere the rung leaves no row at all. Where it
applies, the task is built for it: it climbs even when the prompt rungs before it gained
nothing (they never see the documents, so their scores say nothing about this one).
"""

from __future__ import annotations

from ...pipeline import DemoSpec, PipelineSpec
from .base import LadderContext, ModelRung, ModelState


class Rag(ModelRung):
    name = "rag"
    stops_for_no_gain = False  # applies only where documents are given: the rung the task is built for

    def applies(self, ctx: LadderContext) -> bool:
        return bool(ctx.task.spec.documents)

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        o = ctx.options
        return PipelineSpec(model=model.name, rung=self.name, params={"max_tokens": ctx.answer_tokens},
                            retrieval={"strategy": "bm25", "k": 4},
                            demos=DemoSpec(strategy="bm25", k=min(o.shots, 4), seed=o.seed))
