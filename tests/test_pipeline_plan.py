"""plan(example) is exactly what goes out: the loopback server's received messages and params
match the plan byte for byte, for every pipeline shape; planning itself sends nothing."""

from __future__ import annotations

import asyncio
import json

import pytest
from pipeline_cases import cases

from taskladder.models.config import ModelConfig
from taskladder.pipeline import PipelineSpec, SamplingSpec
from taskladder.pipeline.llm import LLMPipeline
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.store import Store
from taskladder.testing import LoopbackServer, last_user_text

SHAPES = ["zero-shot", "k-shot", "knn-shots", "max-shots", "cot", "sampling", "guard", "shuffle_choices", "rag"]


def loop_cfg(srv: LoopbackServer) -> ModelConfig:
    return ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url, concurrency=4, timeout_s=5,
                       price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})


def answer(body):
    return "A" if "Which one is a fruit" in last_user_text(body) else "pos"


def canonical(messages) -> str:
    return json.dumps(messages, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("shape", SHAPES)
def test_plan_matches_what_the_server_receives(tmp_path, shape):
    _, task, spec, _ = next(c for c in cases(tmp_path) if c[0] == shape)
    spec = spec.model_copy(update={"model": "loop"})
    examples = task.dev[:3]
    with LoopbackServer(answer) as srv:
        models = {"loop": loop_cfg(srv)}
        pipeline = LLMPipeline(spec, task, models)
        asyncio.run(pipeline.aprepare(ModelCaller(models["loop"], Store(tmp_path / "plan.sqlite"))))
        plans = [pipeline.plan(e) for e in examples]
        assert srv.request_count == 0  # planning sends nothing
        evaluate(task, spec, models=models, store=Store(tmp_path / "run.sqlite"), limit=3, progress=False)
        received = [r.body for r in srv.requests if r.path.endswith("/chat/completions")]
    calls = [c for p in plans for c in p.calls]
    assert sorted(canonical(b["messages"]) for b in received) == sorted(canonical(c.messages) for c in calls)
    assert len(calls) == len(examples) * (spec.sampling.n if spec.sampling else 1)
    for call in calls:  # every planned param goes out as planned
        body = next(b for b in received if canonical(b["messages"]) == canonical(call.messages))
        assert {k: body.get(k) for k in call.params} == call.params
        assert call.cache_key and len(call.cache_key) == 64


def test_plan_traces_demos_and_context(tmp_path):
    by_name = {name: (task, spec, models) for name, task, spec, models in cases(tmp_path)}
    traces = {}
    for shape in ("k-shot", "rag", "zero-shot"):
        task, spec, models = by_name[shape]
        pipeline = LLMPipeline(spec, task, models)
        asyncio.run(pipeline.aprepare(ModelCaller(models[spec.model], Store())))
        plan = pipeline.plan(task.dev[0])
        traces[shape] = (task.dev[0], plan)
    example, plan = traces["k-shot"]
    assert len(plan.trace["demo_ids"]) == 4 and example.id not in plan.trace["demo_ids"]
    assert len(plan.calls[0].messages) > 3  # the demos are turns of their own
    assert traces["zero-shot"][1].trace == {"demo_ids": []}
    _, plan = traces["rag"]
    assert len(plan.trace["context_ids"]) == 4
    assert all(c in plan.calls[0].messages[-1]["content"] for c in plan.trace["context_ids"])


def test_shuffled_samples_each_see_their_own_order(tmp_path):
    _, task, spec, models = next(c for c in cases(tmp_path) if c[0] == "shuffle_choices")
    pipeline = LLMPipeline(spec, task, models)
    asyncio.run(pipeline.aprepare(ModelCaller(models["mc"], Store())))
    plan = pipeline.plan(task.dev[0])
    assert [c.sample_index for c in plan.calls] == [0, 1, 2]
    assert len({canonical(c.messages) for c in plan.calls}) > 1
    assert all(c.params["temperature"] == spec.sampling.temperature for c in plan.calls)


def test_best_of_n_plans_the_samples_and_says_judge_calls_follow(tmp_path):
    _, task, _, models = next(c for c in cases(tmp_path) if c[0] == "sampling")
    judge = ModelConfig(name="judge", model="scripted", script={"callable": "helpers:sentiment_judge"})
    spec = PipelineSpec(model="bot", sampling=SamplingSpec(n=3, select="judge", judge="judge"))
    pipeline = LLMPipeline(spec, task, {**models, "judge": judge})
    asyncio.run(pipeline.aprepare(ModelCaller(models["bot"], Store())))
    plan = pipeline.plan(task.dev[0])
    assert len(plan.calls) == 3 and plan.judge_calls_follow and plan.judge == "judge"


def test_a_blocked_input_plans_no_call(tmp_path):
    _, task, _, models = next(c for c in cases(tmp_path) if c[0] == "guard")
    spec = PipelineSpec(model="bot", guard={"input": {"length": {"threshold": 5, "action": "block"}}})
    pipeline = LLMPipeline(spec, task, models)
    asyncio.run(pipeline.aprepare(ModelCaller(models["bot"], Store())))
    plan = pipeline.plan(task.dev[0])
    assert plan.calls == [] and plan.blocked.startswith("input blocked by guard")
    prediction = asyncio.run(pipeline.apredict(task.dev[0], ModelCaller(models["bot"], Store())))
    assert prediction.error == plan.blocked and prediction.calls == 0


def test_plan_before_prepare_says_what_to_do(tmp_path):
    _, task, spec, models = next(c for c in cases(tmp_path) if c[0] == "zero-shot")
    with pytest.raises(RuntimeError, match="aprepare"):
        LLMPipeline(spec, task, models).plan(task.dev[0])
