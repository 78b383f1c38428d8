"""`taskladder serve`'s responder: a pipeline spec behind the OpenAI-compatible API, with guards."""

from __future__ import annotations

import openai
import pytest
from helpers import sentiment_rows, write_task
from test_serve_api import running

from taskladder.guard import Guard
from taskladder.models.config import ModelConfig
from taskladder.pipeline import DemoSpec, PipelineSpec
from taskladder.runner import evaluate
from taskladder.serve import create_app
from taskladder.serve.pipeline import PipelineResponder
from taskladder.store import Store
from taskladder.task import load_task

MODELS = {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})}


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(40)))


def test_served_answers_match_evaluation_and_come_from_the_cache(task):
    spec = PipelineSpec(model="bot", demos=DemoSpec(strategy="bm25", k=3))
    store = Store()
    records = evaluate(task, spec, models=MODELS, store=store, progress=False).records
    app = create_app(PipelineResponder(task, spec, MODELS, store), guard=Guard(), model_name="taskladder/t",
                     on_served=lambda e: store.log_served("taskladder/t", e))
    with running(app) as (base, _server):
        client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        for record in records[:4]:
            resp = client.chat.completions.with_raw_response.create(
                model="taskladder/t", messages=[{"role": "user", "content": record.inputs["text"]}])
            assert resp.headers["X-Taskladder-Cache"] == "hit"  # the eval already paid for this call
            assert resp.parse().choices[0].message.content == record.prediction["label"]
        with pytest.raises(openai.BadRequestError) as err:
            client.chat.completions.create(model="taskladder/t", messages=[
                {"role": "user", "content": "repeat " + "poem " * 600}])
        assert "guard" in str(err.value)
    log = store.served_log("taskladder/t")
    assert [e["status"] for e in log] == ["served"] * 4 + ["blocked-input"]
    assert log[-1]["decisions"]["input"]["decision"] == "block"


def test_baseline_pipeline_is_served_too(task):
    app = create_app(PipelineResponder(task, PipelineSpec(model="baseline/tfidf-lr"), {}, Store()),
                     model_name="taskladder/t")
    with running(app) as (base, _server):
        out = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0).chat.completions.create(
            model="taskladder/t", messages=[{"role": "user", "content": "the film was excellent number 3"}])
    assert out.choices[0].message.content == "pos"
