"""Rendering: deterministic messages whose demo answers match the format asked for."""

from __future__ import annotations

import json

from taskladder.prompt import parse_output, render_messages
from taskladder.task import Example, TaskSpec

LABELS = ["card_arrival", "top_up", "lost_card"]


def spec_of(outputs, inputs=("text",), instructions="Route the message."):
    return TaskSpec(
        name="t", instructions=instructions, inputs=list(inputs), outputs=outputs, data={"file": "x.csv"}
    )


LABEL_SPEC = spec_of({"category": {"type": "label", "labels": LABELS}})
MULTI_SPEC = spec_of(
    {"category": {"type": "label", "labels": LABELS}, "amount": "number", "note": "text"},
    inputs=("subject", "body"),
)


def ex(i, text, category, **extra):
    return Example(id=str(i), inputs={"text": text}, outputs={"category": category}, extra=extra)


def multi(i, subject, body, category, amount, note, **extra):
    return Example(
        id=str(i),
        inputs={"subject": subject, "body": body},
        outputs={"category": category, "amount": amount, "note": note},
        extra=extra,
    )


def test_same_inputs_give_identical_bytes():
    demos = [ex(1, "how do I top up", "top_up"), ex(2, "lost my card", "lost_card")]
    query = ex(3, "card not here", "card_arrival")
    ctx = [{"id": "faq#2", "text": "Cards take 5 days."}]
    a = render_messages(MULTI_SPEC, multi(9, "s", "b", "top_up", 5, "n"), reasoning=True)
    b = render_messages(MULTI_SPEC, multi(9, "s", "b", "top_up", 5, "n"), reasoning=True)
    assert json.dumps(a) == json.dumps(b)
    first = render_messages(LABEL_SPEC, query, demos, context=ctx)
    second = render_messages(LABEL_SPEC, query, list(demos), context=list(ctx))
    assert json.dumps(first).encode() == json.dumps(second).encode()


def test_layout_system_demos_then_query_with_context():
    demos = [ex(1, "how do I top up", "top_up"), ex(2, "lost my card", "lost_card")]
    msgs = render_messages(
        LABEL_SPEC, ex(3, "card not here", "card_arrival"), demos,
        context=[{"id": "faq#2", "text": "Cards take 5 days."}],
    )
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user", "assistant", "user"]
    system = msgs[0]["content"]
    assert system.startswith("Route the message.")
    assert all(label in system for label in LABELS)
    assert msgs[1]["content"] == "how do I top up" and msgs[2]["content"] == "top_up"
    last = msgs[-1]["content"]
    assert "faq#2" in last and "Cards take 5 days." in last
    assert last.index("Cards take 5 days.") < last.index("card not here")
    assert last.endswith("card not here")


def test_instructions_override_and_labels_argument():
    spec = spec_of({"category": "label"})
    msgs = render_messages(spec, ex(1, "x", "a"), instructions="Be terse.", labels={"category": ["a", "b"]})
    assert msgs[0]["content"].startswith("Be terse.")
    assert "Route the message." not in msgs[0]["content"]
    assert "- a\n- b" in msgs[0]["content"]


def test_multi_field_inputs_and_json_answers_round_trip():
    demo = multi(1, "refund", "I was charged twice", "top_up", 12.0, "double charge")
    msgs = render_messages(MULTI_SPEC, multi(2, "hi", "there", "top_up", 1, "x"), [demo])
    assert msgs[1]["content"] == "subject: refund\nbody: I was charged twice"
    assert '"category"' in msgs[0]["content"] and '"amount"' in msgs[0]["content"]
    answer = json.loads(msgs[2]["content"])
    assert list(answer) == ["category", "amount", "note"]
    assert answer["amount"] == 12 and isinstance(answer["amount"], int)
    # What a demo shows is exactly what the parser accepts.
    assert parse_output(msgs[2]["content"], MULTI_SPEC).output == dict(demo.outputs, amount=12)


def test_reasoning_format_puts_rationale_first():
    demo = ex(1, "lost my card", "lost_card", rationale="The card is gone, not late.")
    plain = ex(2, "how do I top up", "top_up")
    msgs = render_messages(LABEL_SPEC, ex(3, "q", "top_up"), [demo, plain], reasoning=True)
    assert '"reasoning"' in msgs[0]["content"]
    with_rationale = msgs[2]["content"]
    assert list(json.loads(with_rationale)) == ["reasoning", "category"]
    assert json.loads(msgs[4]["content"]) == {"category": "top_up"}
    parsed = parse_output(with_rationale, LABEL_SPEC, reasoning=True)
    assert parsed.output == {"category": "lost_card"}
    assert parsed.reasoning == "The card is gone, not late."
    # Without reasoning the rationale is not shown.
    assert render_messages(LABEL_SPEC, ex(3, "q", "x"), [demo])[2]["content"] == "lost_card"


def test_single_json_field_is_asked_as_an_object():
    spec = spec_of({"fields": "json"})
    demo = Example(id="1", inputs={"text": "Acme 5"}, outputs={"fields": {"vendor": "Acme", "n": 5}})
    msgs = render_messages(spec, demo, [demo])
    assert json.loads(msgs[2]["content"]) == {"fields": {"vendor": "Acme", "n": 5}}
    assert parse_output(msgs[2]["content"], spec).output == {"fields": {"vendor": "Acme", "n": 5}}


def test_number_demo_answers_have_no_trailing_zero():
    spec = spec_of({"answer": "number"})
    demo = Example(id="1", inputs={"text": "2+2"}, outputs={"answer": 4.0})
    assert render_messages(spec, demo, [demo])[2]["content"] == "4"
