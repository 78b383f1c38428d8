"""One Predictor protocol: baselines, LLM pipelines, step graphs, cascades and a user's own
object all answer examples the same way, so a step or a cascade tier can hold any of them."""

from __future__ import annotations

import pytest
import yaml
from helpers import sentiment_rows, write_task

from taskladder import Prediction, Predictor, evaluate
from taskladder.baselines import make_baseline
from taskladder.cascade import Cascade, FunctionTier, evaluate_cascade
from taskladder.errors import ConfigError
from taskladder.models.config import ModelConfig
from taskladder.pipeline.llm import LLMPipeline
from taskladder.pipeline.spec import PipelineSpec
from taskladder.runner import ModelCaller, PipelinePredictor
from taskladder.steps import load_steps, run_steps
from taskladder.store import Store
from taskladder.task import load_task


class KeywordPredictor:
    """A user's own predictor: positive words mean pos."""

    name, batch_size, concurrency = "keywords", 32, 1

    def __init__(self):
        self.prepared_on = None

    async def aprepare(self, task):
        self.prepared_on = len(task.train)

    async def apredict(self, examples):
        words = ("great", "lovely", "excellent", "good", "wonderful")
        return [Prediction(output={"label": "pos" if any(w in str(e.inputs) for w in words) else "neg"},
                           confidence=0.9) for e in examples]

    def describe(self):
        return {"kind": "rule", "name": self.name}


def make_keywords():
    return KeywordPredictor()


def make_nothing():
    return "not a predictor"


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(80)))


def test_every_kind_of_predictor_satisfies_the_protocol(task, tmp_path):
    store = Store(tmp_path / "s.sqlite")
    cfg = ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})
    pipeline = PipelinePredictor(LLMPipeline(PipelineSpec(model="bot"), task), ModelCaller(cfg, store))
    for predictor in (make_baseline("baseline/tfidf-lr"), pipeline, KeywordPredictor()):
        assert isinstance(predictor, Predictor), predictor
    assert not isinstance(object(), Predictor)


def test_a_users_predictor_is_evaluated_and_resumed_like_any_run(task, tmp_path):
    store = Store(tmp_path / "s.sqlite")
    mine = KeywordPredictor()
    first = evaluate(task, mine, store=store, progress=False)
    assert first.summary.score == 1.0 and mine.prepared_on == len(task.train)
    again = evaluate(task, KeywordPredictor(), store=store, progress=False)
    assert again.run.run_id != first.run.run_id and again.summary.score == 1.0
    assert first.run.pipeline["kind"] == "rule"


def _steps(tmp_path, predictor: str):
    path = tmp_path / "steps.yaml"
    path.write_text(yaml.safe_dump({"name": "p", "steps": [
        {"name": "classify", "predictor": predictor, "inputs": ["text"], "outputs": {"label": "label"}}]}))
    return load_steps(path)


@pytest.mark.parametrize("predictor", ["baseline/tfidf-lr", "test_predictor_protocol:make_keywords"])
def test_a_step_can_hold_any_predictor(task, tmp_path, predictor):
    result = run_steps(task, _steps(tmp_path, predictor), store=Store(tmp_path / "s.sqlite"))
    assert result.summary.n == len(task.dev) and result.summary.errors == 0
    assert result.steps["classify"]["kind"] == "predictor" and result.steps["classify"]["model"] == predictor
    floor = 0.99 if "keywords" in predictor else 0.6
    assert result.summary.score >= floor


def test_a_factory_that_returns_no_predictor_is_a_one_line_error(task, tmp_path):
    with pytest.raises(ConfigError, match="returned str, not a Predictor"):
        run_steps(task, _steps(tmp_path, "test_predictor_protocol:make_nothing"), store=Store(tmp_path / "s.sqlite"))


def test_a_cascade_tier_can_be_any_predictor(task, tmp_path):
    strong_calls = []

    def strong(examples):
        strong_calls.extend(examples)
        return [Prediction(output=e.outputs) for e in examples]

    cascade = Cascade([KeywordPredictor(), FunctionTier("oracle", strong)], thresholds=0.95)
    run = evaluate_cascade(task, cascade, split="dev", store=Store(tmp_path / "s.sqlite"))
    assert run.summary.tier_share == {"keywords": 0.0, "oracle": 1.0}  # 0.9 < 0.95: all escalate
    assert len(strong_calls) == len(task.dev)
    confident = Cascade([KeywordPredictor(), FunctionTier("oracle", strong)], thresholds=0.5)
    assert evaluate_cascade(task, confident, split="dev", store=Store(tmp_path / "t.sqlite")).summary.tier_share == {
        "keywords": 1.0, "oracle": 0.0}
