"""Packing demos into a token budget, verified with the exact counter."""

from __future__ import annotations

import pytest

from taskladder.prompt import context_window, count_message_tokens, pack_demos, render_messages
from taskladder.task import Example, TaskSpec

MODEL = "gpt-4o-mini"
SPEC = TaskSpec(name="t", instructions="Classify.", inputs=["text"],
                outputs={"y": {"type": "label", "labels": ["pos", "neg"]}}, data={"file": "x.csv"})


def demos(n=300):
    return [Example(id=str(i), inputs={"text": f"review number {i}: " + "good " * (i % 13 + 1)},
                    outputs={"y": "pos" if i % 2 else "neg"}) for i in range(n)]


QUERY = Example(id="q", inputs={"text": "this film was fine"}, outputs={"y": "pos"})


def used(picked, **kw):
    return count_message_tokens(render_messages(SPEC, QUERY, picked, **kw), MODEL)


@pytest.mark.parametrize("budget", [120, 400, 1500, 5000])
def test_fits_budget_and_grows_with_it(budget):
    cands = demos()
    picked = pack_demos(SPEC, QUERY, cands, model=MODEL, context_tokens=budget, reserve_output_tokens=50)
    assert used(picked) + 50 <= budget
    bigger = pack_demos(SPEC, QUERY, cands, model=MODEL, context_tokens=budget * 2, reserve_output_tokens=50)
    assert len(bigger) > len(picked)
    # A prefix of the preference order, most preferred last.
    assert [e.id for e in reversed(picked)] == [e.id for e in cands[: len(picked)]]
    # Nearly full: one more candidate would not have fitted.
    if len(picked) < len(cands):
        assert used(list(reversed(cands[: len(picked) + 1]))) + 50 > budget


def test_reserve_defaults_to_longest_answer_and_reasoning_counts():
    cands = [Example(id=str(i), inputs={"text": f"short {i}"}, outputs={"y": "pos"},
                     extra={"rationale": "because " * (5 if i else 200)}) for i in range(40)]
    plain = pack_demos(SPEC, QUERY, cands, model=MODEL, context_tokens=800)
    reasoned = pack_demos(SPEC, QUERY, cands, model=MODEL, context_tokens=800, reasoning=True)
    assert len(reasoned) < len(plain)
    assert used(reasoned, reasoning=True) + 200 <= 800


def test_exact_count_corrects_a_short_estimate(monkeypatch):
    import taskladder.prompt.pack as pack

    monkeypatch.setattr(pack, "PER_MESSAGE_TOKENS", 0)  # the fast estimate now undercounts
    picked = pack_demos(SPEC, QUERY, demos(), model=MODEL, context_tokens=600, reserve_output_tokens=10)
    assert 0 < len(picked) and used(picked) + 10 <= 600


def test_leaks_are_skipped_and_oversized_prompt_packs_nothing():
    twin = Example(id="twin", inputs={"text": QUERY.inputs["text"]}, outputs={"y": "pos"})
    picked = pack_demos(SPEC, QUERY, [twin, QUERY] + demos(5), model=MODEL, context_tokens=2000)
    assert {e.id for e in picked} == {str(i) for i in range(5)}
    assert pack_demos(SPEC, QUERY, demos(5), model=MODEL, context_tokens=20) == []


def test_tiktoken_fallback_without_litellm(monkeypatch):
    import taskladder.prompt.tokens as tokens

    monkeypatch.setattr(tokens, "_litellm", lambda: None)
    msgs = render_messages(SPEC, QUERY, demos(3))
    assert count_message_tokens(msgs, "some-local-model") > 20
    assert context_window("some-local-model") is None


def test_context_window_from_litellm():
    assert context_window("gpt-4o-mini") >= 100_000
    assert context_window("openai/gpt-4o-mini") == context_window("gpt-4o-mini")
    assert context_window("no-such-model-xyz") is None
