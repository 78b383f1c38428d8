"""recall@k arithmetic, gold sources/passages from a row's extra columns, and prompt context."""

from __future__ import annotations

import math

import pytest

from taskladder.prompt import render_messages
from taskladder.retrieval import (
    Chunk,
    Gold,
    as_context,
    context_for,
    example_recall,
    gold_from_extra,
    key_matches,
    make_retriever,
    passage_matches,
    recall_at_k,
    retrieval_recall,
    source_matches,
)
from taskladder.task import Example, TaskSpec


def _chunk(cid: str, text: str = "", heading: str = "") -> Chunk:
    return Chunk(id=cid, doc_id=cid.split("#")[0], text=text, start=0, end=len(text), heading=heading)


def test_recall_at_k_counts_gold_keys_found_in_the_top_k():
    retrieved = [["a.md#0", "b.md#1"], ["c.md#2", "a.md#1", "d.md#0"], ["x.md#0"]]
    gold = [{"b.md"}, {"a.md#1", "d.md"}, set()]  # the third query has no gold: left out
    assert recall_at_k(retrieved, gold, 1) == 0.0
    assert recall_at_k(retrieved, gold, 2) == pytest.approx((1.0 + 0.5) / 2)
    assert recall_at_k(retrieved, gold, 3) == pytest.approx(1.0)
    assert math.isnan(recall_at_k([["a.md#0"]], [set()], 1))
    with pytest.raises(ValueError):
        recall_at_k([["a.md#0"]], [], 1)


def test_key_matching_respects_id_boundaries():
    assert key_matches("a.md", "a.md#3")
    assert key_matches("a.md#1", "a.md#1")
    assert not key_matches("a.md#1", "a.md#10")
    assert not key_matches("a.md", "a.mdx#0")
    assert key_matches("docs/faq/", "docs/faq/x.md#0") and not key_matches("docs/faq/", "docs/faqs.md#0")


def test_gold_is_read_from_source_and_passage_columns():
    assert gold_from_extra({"note": "x"}) is None
    assert gold_from_extra({"source": " ", "gold_passage": ""}) is None
    gold = gold_from_extra({"source": "a.md; b.md#Setup | c.md", "gold_passage": "Hold it; then release."})
    assert gold == Gold(sources=["a.md", "b.md#Setup", "c.md"], passages=["Hold it; then release."])
    listed = gold_from_extra({"sources": '["x.md", "y.md"]', "gold_passages": "first\nsecond"})
    assert listed == Gold(sources=["x.md", "y.md"], passages=["first", "second"])


def test_source_matching_forms():
    section = _chunk("docs/t.md#4", "### E4 Wi-Fi\n\nThe password was rejected.", heading="Troubleshooting > E4 Wi-Fi")
    window = _chunk("docs/t.md#5", "...end of E4.\n\n## Restarting\n\nHold the dial.", heading="Troubleshooting > E4 Wi-Fi")
    assert source_matches("docs/t.md", section)
    assert source_matches("t.md", section)  # a bare file name
    assert source_matches("./docs/t.md", section)
    assert source_matches("docs/", section) and not source_matches("other/", section)
    assert source_matches("docs/t.md#e4 wi-fi", section)  # heading trail, case-insensitive
    assert source_matches("docs/t.md#Restarting", window)  # a heading line inside the window
    assert not source_matches("docs/t.md#Restarting", section)
    assert source_matches("docs/t.md#4", section) and not source_matches("docs/t.md#4", window)
    assert not source_matches("docs/u.md", section) and not source_matches("xt.md", section)


def test_passage_matching_ignores_case_and_whitespace():
    chunk = _chunk("a.md#0", "Hold the dial\ndown for 10 seconds   until dark.")
    assert passage_matches("hold the dial down for 10 SECONDS", chunk)
    assert not passage_matches("hold the dial for 10 seconds", chunk)


def test_example_recall_needs_each_gold_entry():
    gold = Gold(sources=["a.md"], passages=["green leaf"])
    assert example_recall(gold, [_chunk("a.md#0", "blue"), _chunk("b.md#0", "a green leaf icon")]) == 1.0
    assert example_recall(gold, [_chunk("a.md#0", "blue")]) == 0.5
    assert example_recall(gold, []) == 0.0


def _examples() -> list[Example]:
    rows = [
        ("e1", "how do I descale the kettle", {"source": "kettle.md"}),
        ("e2", "reset the router", {"source": "router.md", "gold_passage": "holding the reset button"}),
        ("e3", "bicycle tyre pressure", {"source": "router.md"}),  # wrong on purpose: a miss
        ("e4", "no gold here", {}),
    ]
    return [Example(id=i, inputs={"question": q}, outputs={"answer": "x"}, extra=x) for i, q, x in rows]


def _corpus() -> list[Chunk]:
    texts = {
        "kettle.md#0": "Descale the kettle every month with vinegar.",
        "router.md#0": "Restart the router by holding the reset button for ten seconds.",
        "bike.md#0": "Inflate the bicycle tyres to the pressure on the sidewall.",
    }
    return [_chunk(cid, t) for cid, t in texts.items()]


def test_retrieval_recall_over_examples():
    retriever = make_retriever("bm25", k=1, cache=None).fit(_corpus())
    report = retrieval_recall(_examples(), retriever)
    assert report is not None and report.k == 1 and report.n == 3
    assert report.per_example == {"e1": 1.0, "e2": 1.0, "e3": 0.0}
    assert report.recall == pytest.approx(2 / 3)
    assert retrieval_recall(_examples()[3:], retriever) is None


def test_context_has_the_keys_render_messages_reads():
    retriever = make_retriever("bm25", k=2, cache=None).fit(_corpus())
    example = _examples()[1]
    context = context_for(example, retriever)
    assert context[0] == {"id": "router.md#0", "text": _corpus()[1].text}
    assert context == as_context(retriever.search(example.input_text()))
    spec = TaskSpec(name="qa", inputs=["question"], outputs={"answer": "text"}, data="qa.csv")
    prompt = render_messages(spec, example, context=context)[-1]["content"]
    assert "[source: router.md#0]\nRestart the router" in prompt
    assert prompt.rstrip().endswith("reset the router")
