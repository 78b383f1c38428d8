"""Offline baselines on a tiny synthetic task, model-free (majority, BM25, TF-IDF)."""

from __future__ import annotations

import json

import pytest
from test_baselines_support import query, tiny_task

from taskladder.baselines import BASELINE_NAMES, EMBEDDING_BASELINES, make_baseline
from taskladder.errors import TaskladderError
from taskladder.models.base import BatchPredictor
from taskladder.task import Example, Task

MODEL_FREE = [n for n in BASELINE_NAMES if n not in EMBEDDING_BASELINES]


def test_names_cover_the_five_baselines_and_each_builds_a_batch_predictor():
    assert set(BASELINE_NAMES) == {
        "baseline/majority", "baseline/knn-bm25", "baseline/knn-embed",
        "baseline/tfidf-lr", "baseline/embed-lr",
    }
    for name in BASELINE_NAMES:
        predictor = make_baseline(name)
        assert isinstance(predictor, BatchPredictor)
        assert predictor.name == name
        assert predictor.describe()["name"] == name


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(TaskladderError) as err:
        make_baseline("baseline/svm")
    message = str(err.value)
    assert "baseline/svm" in message
    assert all(name in message for name in BASELINE_NAMES)


@pytest.mark.parametrize("name", BASELINE_NAMES)
def test_fit_on_empty_train_says_training_examples_are_needed(name):
    task = tiny_task(train_ids=[])
    with pytest.raises(TaskladderError, match="training examples"):
        make_baseline(name).fit(task)


def test_predict_before_fit_is_a_programming_error():
    with pytest.raises(RuntimeError, match="fit"):
        make_baseline("baseline/majority").predict([query("card")])


@pytest.mark.parametrize("name", MODEL_FREE)
def test_predict_on_no_examples_returns_nothing(name):
    predictor = make_baseline(name)
    predictor.fit(tiny_task())
    assert predictor.predict([]) == []


def test_majority_answers_the_most_common_value_of_each_field_with_its_share():
    predictor = make_baseline("baseline/majority")
    predictor.fit(tiny_task())
    preds = predictor.predict([query("anything at all"), query("exchange rate", "q2")])
    assert [p.output for p in preds] == [{"intent": "card", "note": "start refund", "priority": 1}] * 2
    # card: 4/9, "start refund": 2/9, priority 1: 5/9 -> the weakest field bounds confidence.
    assert preds[0].confidence == pytest.approx(2 / 9)
    assert preds[0].raw_text == json.dumps(preds[0].output)


def test_knn_bm25_copies_every_output_of_the_nearest_training_example():
    predictor = make_baseline("baseline/knn-bm25")
    predictor.fit(tiny_task())
    preds = predictor.predict(
        [query("refund took how long"), query("the euros exchange rate today", "q2")]
    )
    assert preds[0].output == {"intent": "refund", "note": "explain refund timing", "priority": 1}
    assert preds[0].trace["neighbour_id"] == "r3"
    assert preds[1].trace["neighbour_id"] == "x1"
    assert isinstance(preds[0].output["priority"], int)  # values copied as they are, not as text
    assert preds[0].trace["score"] > 0


def test_knn_bm25_without_any_shared_word_falls_back_to_the_majority():
    predictor = make_baseline("baseline/knn-bm25")
    predictor.fit(tiny_task())
    [pred] = predictor.predict([query("zebra quantum violin")])
    assert pred.output["intent"] == "card"
    assert pred.trace["fallback"] == "majority"
    assert pred.trace["neighbour_id"] is None


def test_tfidf_lr_classifies_labels_and_copies_other_fields_from_the_bm25_neighbour():
    predictor = make_baseline("baseline/tfidf-lr")
    predictor.fit(tiny_task())
    preds = predictor.predict([query("my card has still not arrived"), query("refund my order please", "q2")])
    assert [p.output["intent"] for p in preds] == ["card", "refund"]
    assert preds[0].output["note"] == "ship a new card"  # nearest by BM25 is c1
    assert preds[0].trace["neighbour_id"] == "c1"
    assert list(preds[0].output) == ["intent", "note", "priority"]  # the task's field order
    top = preds[0].trace["top"]["intent"]
    assert top[0][0] == "card" and top[0][1] == pytest.approx(preds[0].confidence, abs=1e-4)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    described = predictor.describe()
    assert "nearest" in described["non_label_fields"]
    assert described["fields"] == {
        "intent": "classifier", "note": "nearest-neighbour copy", "priority": "nearest-neighbour copy"
    }


def test_label_only_task_gives_class_probability_and_plain_raw_text():
    predictor = make_baseline("baseline/tfidf-lr")
    predictor.fit(tiny_task(outputs={"intent": "label"}))
    preds = predictor.predict([query("exchange rate for euros"), query("refund", "q2"), query("card", "q3")])
    for p in preds:
        assert p.raw_text == p.output["intent"]  # one field: the value itself, not JSON
        assert 1 / 3 < p.confidence <= 1.0
        assert p.cost_usd == 0.0
        assert "neighbour_id" not in p.trace  # no non-label field, so no neighbour search
    assert preds[0].output == {"intent": "exchange"}


def test_a_label_with_a_single_value_in_train_is_predicted_with_certainty():
    predictor = make_baseline("baseline/tfidf-lr")
    predictor.fit(tiny_task(outputs={"intent": "label"}, train_ids=["c1", "c2"]))
    [pred] = predictor.predict([query("refund please")])
    assert pred.output == {"intent": "card"}
    assert pred.confidence == 1.0


@pytest.mark.parametrize("name", MODEL_FREE)
def test_every_prediction_is_free_and_shares_the_batch_time(name):
    predictor = make_baseline(name)
    predictor.fit(tiny_task())
    preds = predictor.predict([query(f"card refund rate {i}", f"q{i}") for i in range(5)])
    assert len(preds) == 5
    assert {p.cost_usd for p in preds} == {0.0}
    assert len({p.latency_ms for p in preds}) == 1 and preds[0].latency_ms > 0
    assert all(p.parse_status == "ok" for p in preds)
    assert all(set(p.output) == {"intent", "note", "priority"} for p in preds)


def test_inputs_with_several_fields_are_matched_on_all_of_them():
    spec = tiny_task().spec.model_copy(update={"inputs": ["subject", "body"]})
    train = [
        Example(id="a", inputs={"subject": "card", "body": "lost it"}, outputs={"intent": "lost", "note": "n", "priority": 1}),
        Example(id="b", inputs={"subject": "card", "body": "never arrived"}, outputs={"intent": "late", "note": "n", "priority": 1}),
    ]
    predictor = make_baseline("baseline/knn-bm25")
    predictor.fit(Task(spec=spec, train=train, dev=[], test=[]))
    [pred] = predictor.predict([Example(id="q", inputs={"subject": "card", "body": "it never arrived"})])
    assert pred.trace["neighbour_id"] == "b"


def test_json_outputs_are_copied_not_shared_with_the_training_data():
    spec = tiny_task().spec.model_copy(update={"outputs": {"fields": tiny_task().spec.outputs["note"].model_copy(update={"type": "json"})}})
    train = [
        Example(id="a", inputs={"text": "invoice total due"}, outputs={"fields": {"total": 10, "tags": ["x"]}}),
        Example(id="b", inputs={"text": "invoice date issued"}, outputs={"fields": {"date": "2024"}}),
        Example(id="c", inputs={"text": "invoice total paid"}, outputs={"fields": {"tags": ["x"], "total": 10}}),
    ]
    task = Task(spec=spec, train=train, dev=[], test=[])
    majority = make_baseline("baseline/majority")
    majority.fit(task)
    [m] = majority.predict([query("anything")])
    assert m.output == {"fields": {"total": 10, "tags": ["x"]}}  # a and c are the same value
    assert m.confidence == pytest.approx(2 / 3)
    knn = make_baseline("baseline/knn-bm25")
    knn.fit(task)
    [pred] = knn.predict([query("what total is due")])
    assert pred.trace["neighbour_id"] == "a"
    assert json.loads(pred.raw_text) == {"total": 10, "tags": ["x"]}
    pred.output["fields"]["tags"].append("edited")
    assert train[0].outputs["fields"]["tags"] == ["x"]
