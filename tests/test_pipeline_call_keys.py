"""The stages keep the call-cache keys of the one-module pipeline: a cache written before the
split still answers every call (the fixture holds the keys that code wrote, see pipeline_cases)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pipeline_cases import cases

from taskladder.models.config import resolve_model
from taskladder.pipeline.llm import LLMPipeline
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.store import Store

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "pipeline_call_keys.json").read_text())


def test_every_case_is_pinned(tmp_path):
    assert sorted(name for name, *_ in cases(tmp_path)) == sorted(FIXTURE)


@pytest.mark.parametrize("name", sorted(FIXTURE))
def test_calls_and_plan_use_the_keys_written_before_the_split(tmp_path, name):
    _, task, spec, models = next(c for c in cases(tmp_path) if c[0] == name)
    store = Store(tmp_path / "cache.sqlite")
    result = evaluate(task, spec, models=models, store=store, progress=False)
    assert result.summary["calls"] == len(FIXTURE[name])
    assert set(store.get_calls(FIXTURE[name])) == set(FIXTURE[name])  # every old key is in the cache

    pipeline = LLMPipeline(spec, task, models)
    asyncio.run(pipeline.aprepare(ModelCaller(resolve_model(spec.model, models), store)))
    planned = [c.cache_key for e in task.dev for c in pipeline.plan(e).calls]
    assert sorted(planned) == FIXTURE[name]

    again = evaluate(task, spec, models=models, store=store, progress=False)
    assert again.summary["calls"] == 0 and again.summary["cached_calls"] == len(FIXTURE[name])
