"""Self-consistency voting, normalisers, choice shuffling."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from conftest import shared_path

from taskladder.sampling import (
    TIE_RULE,
    choice_shuffle_vote,
    extract_final_answer,
    majority_vote,
    normalise_final_answer,
    normalise_label,
    normalise_number,
    shuffle_choices,
    unshuffle_answer,
)


def test_majority_margin_and_tie_rule():
    res = majority_vote(["b", "a", "a", "c", "b", "a"])
    assert (res.answer, res.votes, res.n, res.tie_broken_by) == ("a", 3, 6, None)
    assert res.margin == pytest.approx((3 - 2) / 6)
    tied = majority_vote(["x", "y", "y", "x", "z"])
    assert tied.answer == "x" and tied.tie_broken_by == TIE_RULE and tied.margin == 0  # x appeared first
    assert majority_vote(["y", "x", "y", "x"]).answer == "y"


def test_abstentions_count_in_n_but_do_not_vote():
    res = majority_vote(["7", "no idea", "7.0", "8", "???"], normalise="number")
    assert res.answer == "7" and res.votes == 2 and res.abstained == 2 and res.n == 5
    assert res.margin == pytest.approx(1 / 5) and res.raw == "7"
    empty = majority_vote(["?", "!"], normalise="number")
    assert empty.answer is None and empty.votes == 0 and empty.margin == 0


def test_labels_normalise_and_restrict():
    assert normalise_label("  **Positive**. ") == "positive"
    assert normalise_label("NEGATIVE", labels=["Positive", "Negative"]) == "Negative"
    assert normalise_label("neutral", labels=["Positive", "Negative"]) is None
    res = majority_vote(["Positive", "positive.", "Negative", "'positive'"], normalise="label")
    assert res.answer == "positive" and res.votes == 3


@pytest.mark.parametrize("text, number", [
    ("1,234.50", "1234.5"), ("$18", "18"), ("-3", "-3"), ("3/4", "0.75"), ("It costs 5 then 7 dollars", "7"),
    ("0.1", "0.1"), ("42.000", "42"), ("no digits", None),
])
def test_numbers(text, number):
    assert normalise_number(text) == number


@pytest.mark.parametrize("text, answer", [
    ("16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18", "18"),
    ("So the total is 5 + 7 = 12. The answer is 12.", "12"),
    (r"Hence $\boxed{\frac{3}{4}}$ and finally \boxed{42}", "42"),
    ("Final answer: $1,200", "1200"),
    ("The answer is Paris.", "paris"),
    ("I computed 3 then 4", "4"),  # no marker: the last number
])
def test_final_answers(text, answer):
    assert normalise_final_answer(text) == answer


def test_boxed_with_nested_braces():
    assert extract_final_answer(r"\boxed{\frac{1}{2}}") == r"\frac{1}{2}"


def test_gsm8k_reference_answers_extract_to_their_final_number():
    path = shared_path("gsm8k", "test.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()[:300]]
    for row in rows:
        tail = row["answer"].rsplit("####", 1)[1].strip()
        assert normalise_final_answer(row["answer"]) == normalise_number(tail)
        # the rationale alone (marker removed) also votes for the right number in most rows
    without_marker = [normalise_final_answer(r["answer"].rsplit("####", 1)[0]) for r in rows]
    truth = [normalise_number(r["answer"].rsplit("####", 1)[1]) for r in rows]
    assert np.mean([a == b for a, b in zip(without_marker, truth)]) > 0.9


def test_self_consistency_beats_one_sample_when_errors_scatter():
    """Known truth: each sample is right w.p. 0.4, else one of 6 wrong answers. Voting 9
    samples must be right far more often than a single sample."""
    rng = random.Random(0)
    correct_single = correct_vote = 0
    for _ in range(400):
        samples = [f"The answer is {42 if rng.random() < 0.4 else rng.randint(1, 6)}." for _ in range(9)]
        correct_single += normalise_final_answer(samples[0]) == "42"
        correct_vote += majority_vote(samples, normalise="final_answer").answer == "42"
    assert correct_single / 400 < 0.5 and correct_vote / 400 > correct_single / 400 + 0.2


def test_choice_shuffle_maps_back_and_cancels_a_position_bias():
    options = ["Paris", "Rome", "Madrid", "Berlin"]
    shuffled, mapping = shuffle_choices(options, seed=3)
    assert sorted(shuffled) == sorted(options) and [options[m] for m in mapping] == shuffled
    assert shuffle_choices(options, seed=3) == (shuffled, mapping)
    pos = shuffled.index("Madrid")
    assert unshuffle_answer("ABCD"[pos], mapping) == "C"
    assert unshuffle_answer(f"The answer is ({'ABCD'[pos]})", mapping) == "C"
    assert unshuffle_answer(pos, mapping) == 2
    assert unshuffle_answer("E", mapping) is None and unshuffle_answer("no idea", mapping) is None

    # A model that knows the answer (Madrid = C) 35% of the time and otherwise says "A":
    # without shuffling the vote says A; with shuffling the "A"s scatter and C wins.
    rng = random.Random(1)
    answers, mappings = [], []
    for seed in range(15):
        sh, mp = shuffle_choices(options, seed)
        answers.append("ABCD"[sh.index("Madrid")] if rng.random() < 0.35 else "A")
        mappings.append(mp)
    assert majority_vote(["A" if rng.random() > 0.35 else "C" for _ in range(15)]).answer == "A"
    res = choice_shuffle_vote(answers, mappings)
    assert res.answer == "C"
    with pytest.raises(ValueError):
        choice_shuffle_vote(["A"], [])
