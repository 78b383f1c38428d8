"""Cascades end to end on small synthetic tasks: only escalated examples reach (and cost) the
next tier; vote-margin and verifier signals; a stored run; the CLI."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cascade import (
    Cascade,
    FunctionTier,
    LogprobSignal,
    VerifierSignal,
    cascade_rung,
    choose_threshold,
    evaluate_cascade,
    make_signal,
    observe_predictions,
)
from taskladder.cli import app
from taskladder.errors import ConfigError
from taskladder.models.base import Prediction
from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task

POSITIVE = ("great", "lovely", "excellent", "good", "wonderful")
HARD = ("good", "lovely")
SEEN: Counter = Counter()
CALLS: Counter = Counter()


def _gold(text: str) -> str:
    return "pos" if any(w in text for w in POSITIVE) else "neg"


def noisy(messages):
    """A cheap model: sure of itself on most texts; on 'good'/'lovely' its samples disagree
    (3 of 5 say the wrong label), so its vote is wrong and its margin small."""
    text = messages[-1]["content"]
    CALLS["noisy"] += 1
    k = SEEN[text]
    SEEN[text] += 1
    if any(w in text for w in HARD):
        return ["neg", "pos", "neg", "pos", "neg"][k % 5]
    return _gold(text)


def oracle(messages):
    CALLS["oracle"] += 1
    return _gold(messages[-1]["content"])


PRICE = {"input_per_mtok": 1.0, "output_per_mtok": 2.0}
MODELS = {"noisy": ModelConfig(name="noisy", model="scripted", script={"callable": "test_cascade_run:noisy"},
                               price={"input_per_mtok": 0.1, "output_per_mtok": 0.2}),
          "oracle": ModelConfig(name="oracle", model="scripted", script={"callable": "test_cascade_run:oracle"},
                                price=PRICE)}


@pytest.fixture
def task(tmp_path):
    SEEN.clear()
    CALLS.clear()
    return load_task(write_task(tmp_path / "t", sentiment_rows(80)))


def fixed(label: str, conf: float, cost: float, counter: str):
    def predict(examples):
        CALLS[counter] += len(examples)
        return [Prediction(output={"label": label}, cost_usd=cost, latency_ms=1.0, confidence=conf) for _ in examples]
    return predict


def test_only_escalated_examples_reach_and_cost_the_next_tier(task):
    # Tier 1 says "neg" for everything; the verifier distrusts "neg" on texts with a positive word.
    cheap = FunctionTier("always-neg", fixed("neg", 0.9, 0.0, "cheap"))

    def right(examples):
        CALLS["strong"] += len(examples)
        return [Prediction(output={"label": _gold(e.inputs["text"])}, cost_usd=0.01, latency_ms=5.0) for e in examples]

    strong = FunctionTier("oracle", right)
    verifier = VerifierSignal(lambda ex, out: not (out["label"] == "neg" and _gold(ex.inputs["text"]) == "pos"))
    run = evaluate_cascade(task, Cascade([cheap, strong], verifier, thresholds=0.5), split="dev")
    positives = [e for e in task.dev if _gold(e.inputs["text"]) == "pos"]
    assert CALLS["cheap"] == len(task.dev) and CALLS["strong"] == len(positives) > 0
    s = run.summary
    assert s["score"] == 1.0 and s["share_escalated"] == pytest.approx(len(positives) / len(task.dev))
    assert s["cost_usd"] == pytest.approx(0.01 * len(positives))
    assert s["tier_share"] == {"always-neg": pytest.approx(1 - s["share_escalated"]),
                               "oracle": pytest.approx(s["share_escalated"])}
    escalated = [r for r in run.records if r.trace["cascade"]["escalated"]]
    assert all(r.latency_ms == 6.0 and r.cost_usd == 0.01 for r in escalated)
    assert all(r.cost_usd == 0.0 for r in run.records if not r.trace["cascade"]["escalated"])
    stored = Store().get_run(run.run.run_id)
    assert stored.pipeline["kind"] == "cascade" and stored.summary["signal"] == "verifier"
    assert len(Store().get_records(run.run.run_id)) == len(task.dev)


def test_three_tiers_hand_on_down_the_line(task):
    tiers = [FunctionTier("a", fixed("neg", 0.2, 0.0, "a")), FunctionTier("b", fixed("neg", 0.6, 0.001, "b")),
             FunctionTier("c", fixed("pos", 1.0, 0.01, "c"))]
    preds = Cascade(tiers, thresholds=[0.5, 0.5]).answer(task, task.dev)
    assert (CALLS["a"], CALLS["b"], CALLS["c"]) == (len(task.dev), len(task.dev), 0)
    assert {p.trace["cascade"]["tier"] for p in preds} == {"b"}
    preds = Cascade(tiers, thresholds=[0.5, 0.7]).answer(task, task.dev)
    assert {p.trace["cascade"]["tier"] for p in preds} == {"c"} and preds[0].cost_usd == pytest.approx(0.011)
    with pytest.raises(ConfigError, match="3 tiers need 2 thresholds"):
        Cascade(tiers).answer(task, task.dev, [0.5])


def test_vote_margin_cascade_escalates_the_examples_the_samples_disagree_on(task):
    result = cascade_rung(task, "noisy", "oracle", MODELS, samples=5, confirm_split="test")
    hard = [e for e in task.dev if any(w in e.inputs["text"] for w in HARD)]
    assert result.signal == "vote_margin" and result.cheap == "noisy × 5 samples"
    assert result.cheap_alone["score"] == pytest.approx(1 - len(hard) / len(task.dev))  # wrong on every hard one
    assert result.strong_alone["score"] == 1.0 and result.target_reached and result.score == 1.0
    assert result.share_escalated == pytest.approx(len(hard) / len(task.dev))  # exactly the low-margin ones
    assert result.tier_share["oracle"] == pytest.approx(result.share_escalated)
    assert 0.2 < result.threshold <= 1.0
    # on test the oracle is called only for escalated examples
    test_hard = [e for e in task.test if any(w in e.inputs["text"] for w in HARD)]
    assert result.test["share_escalated"] == pytest.approx(len(test_hard) / len(task.test))
    assert CALLS["oracle"] == len(task.dev) + len(test_hard)  # dev: all (for the curve); test: escalated only
    assert CALLS["noisy"] == 5 * (len(task.dev) + len(task.test))
    assert result.pays == (result.cost_per_1k_calls < result.strong_alone["cost_per_1k_calls"])


def test_a_fitted_baseline_and_own_dev_predictions_choose_the_threshold(task):
    from taskladder.baselines import make_baseline
    from taskladder.metrics import get_metric

    baseline = make_baseline("baseline/tfidf-lr")
    baseline.fit(task)
    cheap = baseline.predict(task.dev)
    strong = [Prediction(output={"label": _gold(e.inputs["text"])}, cost_usd=0.002) for e in task.dev]
    obs = observe_predictions(task.dev, cheap, strong, get_metric("accuracy", task.spec))
    assert obs.confidence == [p.confidence for p in cheap]
    t = choose_threshold(obs, 1.0)
    wrong = [p.confidence for p, e in zip(cheap, task.dev) if p.output["label"] != _gold(e.inputs["text"])]
    right = [p.confidence for p, e in zip(cheap, task.dev) if p.output["label"] == _gold(e.inputs["text"])]
    assert all(c < t for c in wrong)  # every wrong answer is escalated ...
    assert sum(c < t for c in right) == sum(c < max(wrong, default=0.0) for c in right)  # ... and no more than needed
    cascade = Cascade([baseline, FunctionTier("oracle", lambda exs: [Prediction(
        output={"label": _gold(e.inputs["text"])}, cost_usd=0.002) for e in exs])], thresholds=t)
    preds = cascade.answer(task, task.dev)
    assert [p.output["label"] for p in preds] == [_gold(e.inputs["text"]) for e in task.dev]
    with pytest.raises(ConfigError, match="not a score in"):
        cascade_rung(task, "baseline/tfidf-lr", "oracle", MODELS, target=95)


def test_logprob_signal_escalates_the_answers_the_model_was_unsure_of(tmp_path):
    """Over real HTTP: the provider's token log-probabilities become the cheap tier's confidence."""
    from taskladder.pipeline import PipelineSpec
    from taskladder.testing import LoopbackServer, Scored

    def hesitant(request):  # sure about "great", unsure (and wrong) about everything else
        text = request["messages"][-1]["content"]
        return Scored("pos", -0.01) if "great" in text else Scored("pos", -1.5)

    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    assert make_signal("logprob").name == "logprob"
    assert LogprobSignal().confidence(None, Prediction(trace={"logprob_mean": -0.01})) == pytest.approx(math.exp(-0.01))
    assert LogprobSignal().confidence(None, Prediction()) is None  # no log-probabilities: escalate
    with LoopbackServer(hesitant) as srv:
        models = {"cheap": ModelConfig(name="cheap", model="openai/loopback", api_base=srv.base_url,
                                       price={"input_per_mtok": 0.1, "output_per_mtok": 0.1})}
        cheap = PipelineSpec(model="cheap", params={"logprobs": True})
        result = evaluate(task, cheap, models=models, progress=False)
        sure = [r for r in result.records if "great" in r.inputs["text"]]
        assert sure and all(abs(r.confidence - math.exp(-0.01)) < 1e-9 for r in sure)
        assert all(r.confidence < 0.3 for r in result.records if "great" not in r.inputs["text"])
        assert all(r.trace["logprob_mean"] is not None for r in result.records)
        assert evaluate(task, cheap, models=models, progress=False).records[0].confidence is not None  # cached too


def test_signals_that_cannot_work_say_so():
    with pytest.raises(ConfigError, match="unknown cascade signal 'margin'"):
        make_signal("margin")
    with pytest.raises(ConfigError, match="needs a function check"):
        VerifierSignal(lambda out: True)
    assert make_signal("vote-margin").name == "vote_margin"


def test_a_verifier_that_raises_gives_zero_confidence_and_warns_once(caplog):
    from taskladder.task import Example

    def broken(example, output):
        raise KeyError("answer")

    signal = VerifierSignal(broken, name="strict")
    pred = Prediction(output={"label": "pos"})
    with caplog.at_level("WARNING", logger="taskladder.cascade.signals"):
        scores = [signal.confidence(Example(id=f"e{i}", inputs={"text": "x"}), pred) for i in range(3)]
    assert scores == [0.0, 0.0, 0.0]
    warnings = [r for r in caplog.records if r.name == "taskladder.cascade.signals"]
    assert len(warnings) == 1 and "verifier 'strict' raised on example e0" in warnings[0].getMessage()


def test_cli_cascade_json_and_curve(task, tmp_path):
    import yaml

    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [m.model_dump(exclude_none=True) for m in MODELS.values()]}))
    res = CliRunner().invoke(app, ["cascade", str(task.source), "--cheap", "baseline/tfidf-lr", "--strong", "oracle",
                                   "--models", str(models), "--json", "--target", "0.9"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["cheap"] == "baseline/tfidf-lr" and out["strong"] == "oracle" and out["signal"] == "probability"
    assert out["target"] == 0.9 and out["curve"][0]["share_escalated"] == 0.0
    assert out["curve"][-1]["share_escalated"] == 1.0 and out["score"] >= 0.9 - 1e-9
    res = CliRunner().invoke(app, ["cascade", str(task.source), "--cheap", "baseline/tfidf-lr", "--strong", "oracle",
                                   "--models", str(models)])
    assert res.exit_code == 0 and "cost–quality curve" in res.stdout and "← chosen" in res.stdout
