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
from taskladder.runner.calls import ModelCaller, exact_call_key
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
    # The calls are the ones the old code made: their full requests give back the old keys
    # (since issue 13, max_tokens is left out of the key itself, so eval and climb share calls).
    requests = {key: json.loads(req) for key, req in store._db.execute("SELECT key, request FROM calls")}
    assert sorted(exact_call_key(r["model"], r["messages"], r["params"], r["sample"])
                  for r in requests.values()) == FIXTURE[name]

    pipeline = LLMPipeline(spec, task, models)
    asyncio.run(pipeline.aprepare(ModelCaller(resolve_model(spec.model, models), store)))
    planned = [c.cache_key for e in task.dev for c in pipeline.plan(e).calls]
    assert sorted(planned) == sorted(requests)

    again = evaluate(task, spec, models=models, store=store, progress=False)
    assert again.summary["calls"] == 0 and again.summary["cached_calls"] == len(FIXTURE[name])

    # A cache written by the old code (calls under the old keys) still answers every call.
    for key, r in requests.items():
        old = exact_call_key(r["model"], r["messages"], r["params"], r["sample"])
        store._db.execute("UPDATE calls SET key = ?, extra = NULL WHERE key = ?", (old, key))
    store._db.execute("DELETE FROM runs")
    old_cache = evaluate(task, spec, models=models, store=store, progress=False)
    assert old_cache.summary["calls"] == 0 and old_cache.summary["cached_calls"] == len(FIXTURE[name])
