"""A pipeline makes its system message once; every prompt carries the one made per example before."""

from __future__ import annotations

import asyncio

import pytest
from pipeline_cases import cases

from taskladder.models.config import resolve_model
from taskladder.pipeline.llm import LLMPipeline
from taskladder.prompt import render_messages
from taskladder.runner.calls import ModelCaller
from taskladder.store import Store


@pytest.mark.parametrize("instructions", [None, "Own instructions: say ü.", ""])
def test_every_prompt_is_the_one_rendered_from_scratch(tmp_path, instructions):
    for name, task, spec, models in cases(tmp_path / str(len(instructions or "x"))):
        spec = spec.model_copy(update={"instructions": instructions})
        pipeline = LLMPipeline(spec, task, models)
        asyncio.run(pipeline.aprepare(ModelCaller(resolve_model(spec.model, models), Store(tmp_path / "s.sqlite"))))
        for example in task.dev[:5]:
            messages, trace = pipeline.messages(example)
            demos = [next(d for d in task.train if d.id == i) for i in trace["demo_ids"]]
            fresh = render_messages(
                task.spec,
                example,
                demos,
                reasoning=spec.reasoning,
                instructions=instructions,
                labels=pipeline.labels,
                context=None,
            )
            if spec.retrieval:  # the retrieved context sits in the last turn; the rest must match
                assert messages[:-1] == fresh[:-1], name
            else:
                assert messages == fresh, name
