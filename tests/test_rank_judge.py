"""Pairwise judging: both orders, the inconsistency policy, position bias, prompt and parser."""

from __future__ import annotations

import pytest

from taskladder.errors import ConfigError
from taskladder.rank import (
    DEFAULT_RUBRICS,
    Comparison,
    LLMJudgePrompt,
    judge_both_orders,
    measure_position_bias,
    parse_verdict,
    rank_comparisons,
)


class FirstSlotJudge:
    """A maximally position-biased judge: whatever is shown first wins."""

    async def judge(self, item_input, output_a, output_b, rubric):
        return "a"


async def longer_wins(item_input, output_a, output_b, rubric):
    """A consistent judge (plain async function): the longer answer wins."""
    if len(output_a) == len(output_b):
        return "tie"
    return "a" if len(output_a) > len(output_b) else "b"


async def test_a_flip_across_orders_counts_as_a_tie():
    pv = await judge_both_orders(FirstSlotJudge(), item="q1", item_input="x", a_name="A", a_output="short",
                                 b_name="B", b_output="much longer")
    assert pv.verdict == "tie" and not pv.consistent
    assert [c.winner for c in pv.comparisons] == ["a", "b"]  # in a/b names: A won when first, B when first
    assert [c.first for c in pv.comparisons] == ["a", "b"]


async def test_consistent_verdicts_stand():
    pv = await judge_both_orders(longer_wins, item="q1", item_input="x", a_name="A", a_output="short",
                                 b_name="B", b_output="much longer")
    assert pv.verdict == "b" and pv.consistent
    assert all(c.winner_name == "B" for c in pv.comparisons)


async def test_position_bias_is_measured():
    rows = []
    for k in range(10):
        for judge in (FirstSlotJudge(),):
            pv = await judge_both_orders(judge, item=f"q{k}", item_input="x", a_name="A", a_output="s",
                                         b_name="B", b_output="long")
            rows += pv.comparisons
    biased = measure_position_bias(rows)
    assert biased.flip_rate == 1.0 and biased.reversal_rate == 1.0 and biased.first_slot_share == 1.0
    assert biased.n_swapped_pairs == 10

    fair = []
    for k in range(10):
        pv = await judge_both_orders(longer_wins, item=f"q{k}", item_input="x", a_name="A", a_output="s",
                                     b_name="B", b_output="long")
        fair += pv.comparisons
    unbiased = measure_position_bias(fair)
    assert unbiased.flip_rate == 0.0 and unbiased.first_slot_share == 0.5
    # the leaderboard fits the first-slot advantage when `first` is known
    board = rank_comparisons(rows + fair, n_boot=20)
    assert board.first_position_elo is not None and board.first_position_elo > 100
    assert board.position_bias.n_with_order == 40


def test_position_bias_without_order_information():
    pb = measure_position_bias([Comparison(item="1", a="x", b="y", winner="a")])
    assert pb.first_slot_share is None and pb.flip_rate is None and pb.n_with_order == 0


def test_prompt_uses_the_rubric_for_the_output_type_and_accepts_a_custom_one():
    msgs = LLMJudgePrompt(output_type="json").messages({"text": "invoice 12"}, "{\"a\": 1}", "{}")
    user = msgs[1]["content"]
    assert DEFAULT_RUBRICS["json"] in user
    assert user.index("## Answer A") < user.index("{\"a\": 1}") < user.index("## Answer B")
    assert "invoice 12" in user and msgs[0]["role"] == "system"
    custom = LLMJudgePrompt(output_type="text", rubric="Prefer haiku.").messages("x", "a", "b")
    assert "Prefer haiku." in custom[1]["content"] and DEFAULT_RUBRICS["text"] not in custom[1]["content"]
    per_call = LLMJudgePrompt().messages("x", "a", "b", rubric="Only correctness.")
    assert "Only correctness." in per_call[1]["content"]
    with pytest.raises(ConfigError, match="rubric"):
        LLMJudgePrompt(output_type="audio").messages("x", "a", "b")


@pytest.mark.parametrize("text, verdict", [
    ("A is more accurate.\n[[A]]", "a"),
    ("Both fine. [[TIE]]", "tie"),
    ("The format is [[A]] or [[B]]... after checking, [[B]]", "b"),
    ("[[C]]", "tie"),
    ("Verdict: B", "b"),
    ("**Winner:** A", "a"),
    ("I cannot decide.", None),
    ("", None),
])
def test_verdict_parser(text, verdict):
    assert parse_verdict(text) == verdict
