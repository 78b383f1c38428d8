"""max-shots: as many demos as fit the prompt budget, counted with the model's tokenizer."""

from __future__ import annotations

import asyncio

from helpers import sentiment_rows, write_task

from taskladder.models.config import ModelConfig
from taskladder.pipeline import DemoSpec, PipelineSpec
from taskladder.pipeline.llm import LLMPipeline
from taskladder.prompt import count_message_tokens
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.store import Store
from taskladder.task import load_task

MODELS = {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})}


def test_more_budget_packs_more_shots_and_prompts_fit(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(200)))
    used = []
    for budget in (300, 1200):
        spec = PipelineSpec(model="bot", params={"max_tokens": 16},
                            demos=DemoSpec(strategy="stratified", k=150, max_shots=True, max_prompt_tokens=budget))
        result = evaluate(task, spec, models=MODELS, store=Store(), progress=False, limit=5)
        used.append(result.summary["shots_used_mean"])
        pipeline = LLMPipeline(spec, task)
        asyncio.run(pipeline.aprepare(ModelCaller(MODELS["bot"], Store())))
        for example in task.dev[:5]:
            messages, trace = pipeline.messages(example)
            assert count_message_tokens(messages, "scripted") + 16 <= budget
            assert example.id not in trace["demo_ids"]
    assert 0 < used[0] < used[1] <= 150
