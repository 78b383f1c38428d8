"""Built-in metrics on hand-made cases, including the edge cases models produce."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from taskladder.errors import ConfigError, DataError
from taskladder.metrics import get_metric, normalize_text, parse_numbers
from taskladder.task import TaskSpec


def spec(**outputs) -> TaskSpec:
    return TaskSpec(name="t", inputs=["text"], outputs=outputs, data="data.csv")


# --- normalisation and exact match -------------------------------------------------------

@pytest.mark.parametrize(
    "pred, gold",
    [
        ("ＰＡＲＩＳ", "Paris"),  # full-width letters fold under NFKC
        ("STRASSE", "straße"),  # casefold, not lower
        ('"Paris."', "paris"),  # quotes and trailing full stop
        ("«Paris»", "Paris"),  # typographic quotes
        ("  New   York\n", "new york"),  # whitespace collapsed
        ("`yes`", "Yes"),  # back-ticks as quotes
    ],
)
def test_exact_match_forgives_surface_differences(pred, gold):
    metric = get_metric("exact_match", spec(answer="text"))
    assert metric.score({"answer": pred}, {"answer": gold}) == 1.0


@pytest.mark.parametrize(
    "pred, gold",
    [("U.S.A.", "USA"), ("?", "!"), ("New York City", "New York"), ("", "x")],
)
def test_exact_match_keeps_real_differences(pred, gold):
    metric = get_metric("exact_match", spec(answer="text"))
    assert metric.score({"answer": pred}, {"answer": gold}) == 0.0


def test_normalize_keeps_inner_punctuation_and_pure_punctuation():
    assert normalize_text("'U.S.A.'") == "u.s.a"
    assert normalize_text(" ?? ") == "??"


def test_none_prediction_and_missing_field_score_zero():
    metric = get_metric("exact_match", spec(answer="text"))
    assert metric.score(None, {"answer": "x"}) == 0.0
    assert metric.score({}, {"answer": "x"}) == 0.0
    assert metric.score({"other": "x"}, {"answer": "x"}) == 0.0
    assert metric.score({"answer": None}, {"answer": "x"}) == 0.0


def test_exact_match_multi_field_needs_every_field():
    metric = get_metric("exact_match", spec(city="text", year="number"))
    gold = {"city": "Paris", "year": 1889}
    assert metric.score({"city": "paris", "year": "1889"}, gold) == 1.0
    assert metric.score({"city": "paris", "year": 1890}, gold) == 0.0
    assert metric.score({"city": "paris"}, gold) == 0.0


def test_aggregate_is_mean_and_empty_is_nan():
    metric = get_metric("accuracy", spec(label="label"))
    gold = [{"label": "a"}, {"label": "b"}, {"label": "c"}, {"label": "a"}]
    pred = [{"label": "A"}, {"label": "b"}, None, {"label": "c"}]
    assert metric.aggregate(pred, gold) == pytest.approx(2 / 4)
    assert np.isnan(metric.aggregate([], []))
    with pytest.raises(ValueError):
        metric.aggregate(pred[:2], gold)


def test_accuracy_on_numeric_looking_labels():
    metric = get_metric("accuracy", spec(stars="label"))
    assert metric.score({"stars": 3.0}, {"stars": "3"}) == 1.0
    assert metric.score({"stars": 4}, {"stars": "3"}) == 0.0


def test_missing_expected_field_is_a_data_error():
    metric = get_metric("accuracy", spec(label="label"))
    with pytest.raises(DataError, match="label"):
        metric.score({"label": "a"}, {"other": "a"})


# --- token F1 ------------------------------------------------------------------------------

def test_token_f1_squad_style():
    metric = get_metric("token_f1", spec(answer="text"))
    # pred tokens {cat, sat} (article dropped); gold {cat, sat, down}: P = 1, R = 2/3.
    assert metric.score({"answer": "The cat sat."}, {"answer": "a cat sat down"}) == pytest.approx(0.8)
    assert metric.score({"answer": "Café!"}, {"answer": "café"}) == 1.0
    assert metric.score({"answer": "dog"}, {"answer": "cat"}) == 0.0
    # Repeated tokens count once per occurrence on each side: P = 1/2, R = 1.
    assert metric.score({"answer": "cat cat"}, {"answer": "cat"}) == pytest.approx(2 / 3)


def test_token_f1_empty_answers():
    metric = get_metric("token_f1", spec(answer="text"))
    assert metric.score({"answer": "the"}, {"answer": "a"}) == 1.0  # both empty after articles
    assert metric.score({"answer": ""}, {"answer": "cat"}) == 0.0
    assert metric.score({"answer": "cat"}, {"answer": "..."}) == 0.0


# --- numeric --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "pred, gold",
    [("1,234.5", 1234.5), ("$3", 3), ("42%", 42), ("42%", 0.42), ("−5", -5), ("-€4.50", -4.5),
     ("４２", 42), (" 7 ", 7), (1 + 1e-9, 1), ("1e3", 1000), (3, 3.0)],
)
def test_numeric_accepts_formats(pred, gold):
    metric = get_metric("numeric", spec(answer="number"))
    assert metric.score({"answer": pred}, {"answer": gold}) == 1.0


@pytest.mark.parametrize(
    "pred, gold",
    [("1,2", 12), ("abc", 1), (True, 1), ("nan", 0), ("1.001", 1), ("12 apples", 12), (None, 0)],
)
def test_numeric_rejects(pred, gold):
    metric = get_metric("numeric", spec(answer="number"))
    assert metric.score({"answer": pred}, {"answer": gold}) == 0.0


def test_numeric_uses_field_tolerance():
    metric = get_metric("numeric", TaskSpec(
        name="t", inputs=["q"], outputs={"x": {"type": "number", "tolerance": 0.5}}, data="d.csv"
    ))
    assert metric.score({"x": "10.4"}, {"x": 10}) == 1.0
    assert metric.score({"x": "9.6"}, {"x": 10}) == 1.0
    assert metric.score({"x": "10.6"}, {"x": 10}) == 0.0


def test_parse_numbers_candidates():
    assert parse_numbers("1,234,567") == [1234567.0]
    assert parse_numbers("50%") == [50.0, 0.5]
    assert parse_numbers("") == []


# --- json_fields ------------------------------------------------------------------------

def test_json_fields_partial_credit_by_type():
    metric = get_metric("json_fields", spec(category="label", amount="number", note="text", meta="json"))
    gold = {"category": "Travel", "amount": 12.5, "note": "taxi to the airport", "meta": {"Currency": "EUR", "items": [1, 2]}}
    pred = {
        "category": "travel",  # 1
        "amount": "$12.50",  # 1
        "note": "taxi airport",  # tokens {taxi, airport} vs {taxi, to, airport}: P=1, R=2/3 -> 0.8
        "meta": '{"currency": "eur", "items": ["1", 2]}',  # JSON string, key case, "1" == 1 -> 1
    }
    assert metric.score(pred, gold) == pytest.approx((1 + 1 + 0.8 + 1) / 4)
    wrong = dict(pred, category="Food", meta={"currency": "EUR", "items": [2, 1]})
    assert metric.score(wrong, gold) == pytest.approx((0 + 1 + 0.8 + 0) / 4)
    missing = {"category": "Travel"}
    assert metric.score(missing, gold) == pytest.approx(1 / 4)
    assert metric.score(None, gold) == 0.0


def test_json_field_deep_equality_details():
    metric = get_metric("json_fields", spec(data="json"))
    gold = {"data": {"a": None, "b": True, "c": [{"x": "Hi"}]}}
    assert metric.score({"data": {"A": None, "b": True, "c": [{"x": "hi."}]}}, gold) == 1.0
    assert metric.score({"data": {"a": None, "b": 1, "c": [{"x": "hi"}]}}, gold) == 0.0  # 1 is not True
    assert metric.score({"data": {"a": "null", "b": True, "c": [{"x": "hi"}]}}, gold) == 0.0
    assert metric.score({"data": {"a": None, "b": True, "c": [{"x": "hi"}], "d": 1}}, gold) == 0.0


# --- macro-F1 ----------------------------------------------------------------------------------

def test_macro_f1_hand_computed_and_none_is_wrong_not_a_class():
    metric = get_metric("macro_f1", spec(label="label"))
    gold = [{"label": v} for v in ["a", "a", "b", "c"]]
    pred = [{"label": "A"}, {"label": "b"}, {"label": "b"}, None]
    # a: TP1 gold2 pred1 -> 2/3; b: TP1 gold1 pred2 -> 2/3; c: TP0 -> 0. Mean over 3 classes.
    assert metric.aggregate(pred, gold) == pytest.approx(4 / 9)
    assert not metric.decomposable
    assert [metric.score(p, g) for p, g in zip(pred, gold)] == [1.0, 0.0, 1.0, 0.0]


def test_macro_f1_counts_labels_only_predicted():
    metric = get_metric("macro_f1", spec(label="label"))
    gold = [{"label": "a"}, {"label": "b"}]
    pred = [{"label": "a"}, {"label": "z"}]
    # a: 1; b: 0; z (never gold): 0.
    assert metric.aggregate(pred, gold) == pytest.approx(1 / 3)


def test_macro_f1_matches_sklearn_on_random_labels():
    rng = np.random.default_rng(3)
    gold_l = rng.choice(list("abcde"), size=300)
    pred_l = np.where(rng.random(300) < 0.6, gold_l, rng.choice(list("abcdef"), size=300))
    metric = get_metric("macro_f1", spec(label="label"))
    ours = metric.aggregate([{"label": p} for p in pred_l], [{"label": g} for g in gold_l])
    assert ours == pytest.approx(f1_score(gold_l, pred_l, average="macro"))


def test_macro_f1_vectorised_resampler_matches_reaggregation():
    rng = np.random.default_rng(4)
    labels = [f"c{i}" for i in range(7)]
    gold = [{"label": labels[i]} for i in rng.integers(0, 7, size=120)]
    pred = [None if rng.random() < 0.1 else {"label": labels[i]} for i in rng.integers(0, 8, size=120) % 7]
    metric = get_metric("macro_f1", spec(label="label"))
    idx = rng.integers(0, 120, size=(25, 120))
    fast = metric.resampler(pred, gold)(idx)
    slow = [metric.aggregate([pred[j] for j in row], [gold[j] for j in row]) for row in idx]
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_single_field_metric_without_spec_uses_the_only_field():
    metric = get_metric("accuracy", None)
    assert metric.score({"y": "a"}, {"y": "A"}) == 1.0
    with pytest.raises(ConfigError, match="json_fields"):
        metric.score({"y": "a"}, {"y": "a", "z": "b"})


def test_chrf_metric_scores_close_translations_higher():
    from taskladder.metrics import get_metric
    from taskladder.task.spec import TaskSpec

    spec = TaskSpec.model_validate({"name": "t", "inputs": ["en"], "outputs": {"fr": "text"}, "data": {"file": "-"}})
    metric = get_metric("chrf", spec)
    gold = {"fr": "Le chat dort sur le canapé."}
    assert metric.score({"fr": "Le chat dort sur le canapé."}, gold) == 1.0
    near, far = metric.score({"fr": "Le chat dort sur un canapé."}, gold), metric.score({"fr": "Il pleut."}, gold)
    assert 1.0 > near > far >= 0.0
