"""Parsing realistic model replies: never raises, coerces per type, explains failures."""

from __future__ import annotations

import pytest

from taskladder.prompt import parse_output
from taskladder.task import TaskSpec

LABELS = ["card_arrival", "top_up", "lost_card", "card"]


def spec_of(outputs):
    return TaskSpec(name="t", inputs=["text"], outputs=outputs, data={"file": "x.csv"})


LABEL = spec_of({"category": {"type": "label", "labels": LABELS}})
NUMBER = spec_of({"answer": "number"})
TEXT = spec_of({"translation": "text"})
MULTI = spec_of({"category": {"type": "label", "labels": LABELS}, "amount": "number", "note": "text"})
JSONF = spec_of({"fields": "json"})


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("top_up", "top_up"),
        ("  TOP_UP \n", "top_up"),
        ('"lost_card"', "lost_card"),
        ("'card_arrival'", "card_arrival"),
        ("**lost_card**", "lost_card"),
        ("`top_up`.", "top_up"),
        ("Card Arrival", "card_arrival"),
        ("Label: top_up", "top_up"),
        ('{"category": "lost_card"}', "lost_card"),
        ('{"Category": " Top_Up "}', "top_up"),
        ('```json\n{"category": "card_arrival"}\n```', "card_arrival"),
        ("```\ntop_up\n```", "top_up"),
        ('Sure! Here it is: {"category": "top_up"} Hope this helps.', "top_up"),
        ("I think this is card_arrival, since the card is late.", "card_arrival"),
        ('{"answer": "lost_card"}', "lost_card"),
        ("card", "card"),
    ],
)
def test_label_replies(reply, expected):
    result = parse_output(reply, LABEL)
    assert result.error is None
    assert result.output == {"category": expected}


@pytest.mark.parametrize(
    "reply, fragment",
    [
        ("refund_request", "not one of the 4 allowed labels"),
        ("It is either top_up or lost_card.", "several labels"),
        ("", "empty reply"),
        ("   ", "empty reply"),
        ('{"category": "refund"}', "refund"),
        ('{"x": 1, "y": 2}', "category"),
    ],
)
def test_label_failures_are_results_with_reasons(reply, fragment):
    result = parse_output(reply, LABEL)
    assert result.output is None
    assert fragment in result.error


def test_labels_argument_overrides_unknown_set():
    spec = spec_of({"category": "label"})
    assert parse_output('"Anything Goes"', spec).output == {"category": "Anything Goes"}
    strict = parse_output("anything", spec, labels={"category": ["yes", "no"]})
    assert strict.output is None and "allowed labels" in strict.error
    assert parse_output("YES", spec, labels={"category": ["yes", "no"]}).output == {"category": "yes"}


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("42", 42),
        ("42.0", 42),
        ("3.5", 3.5),
        ("1,234", 1234),
        ("$5", 5),
        ("-$1,234.50", -1234.5),
        ("The answer is 42.", 42),
        ("Natalia sold 48 + 24 = 72 clips.\n#### 72", 72),
        ("So 3 + 4 = 7. The final answer is 7", 7),
        ("\\boxed{18}", 18),
        ("50%", 50),
        ('{"answer": 12}', 12),
        ('{"answer": "1,000"}', 1000),
        ("```json\n{\"answer\": 8}\n```", 8),
        ("It costs 5 dollars, yes 5.", 5),
    ],
)
def test_number_replies(reply, expected):
    result = parse_output(reply, NUMBER)
    assert result.error is None, result.error
    assert result.output == {"answer": expected}
    assert type(result.output["answer"]) is type(expected)


@pytest.mark.parametrize(
    "reply, fragment",
    [("between 3 and 5", "ambiguous"), ("no idea", "no number"), ('{"answer": true}', "expected a number")],
)
def test_number_failures(reply, fragment):
    result = parse_output(reply, NUMBER)
    assert result.output is None and fragment in result.error


def test_text_replies_keep_the_text():
    assert parse_output("Bonjour le monde", TEXT).output == {"translation": "Bonjour le monde"}
    assert parse_output('"Bonjour"', TEXT).output == {"translation": "Bonjour"}
    assert parse_output("42", TEXT).output == {"translation": "42"}
    assert parse_output("true", TEXT).output == {"translation": "true"}
    assert parse_output('{"translation": "Salut"}', TEXT).output == {"translation": "Salut"}


def test_multi_field_needs_one_json_object():
    reply = 'Here you go:\n```json\n{"category": "Top Up", "amount": "$12", "note": "twice", "extra": 1}\n```'
    assert parse_output(reply, MULTI).output == {"category": "top_up", "amount": 12, "note": "twice"}
    prose = 'The result is {"note": "x", "amount": 3, "category": "card"} as requested.'
    assert parse_output(prose, MULTI).output == {"category": "card", "amount": 3, "note": "x"}
    missing = parse_output('{"category": "card"}', MULTI)
    assert missing.output is None and "'amount'" in missing.error and "'note'" in missing.error
    plain = parse_output("card, 3, x", MULTI)
    assert plain.output is None and "JSON object" in plain.error
    wrong = parse_output('{"category": "nope", "amount": 1, "note": "n"}', MULTI)
    assert wrong.output is None and "category" in wrong.error


def test_reasoning_replies():
    reply = '```json\n{"reasoning": "48/2 = 24, 48 + 24 = 72", "answer": 72}\n```'
    result = parse_output(reply, NUMBER, reasoning=True)
    assert result.output == {"answer": 72} and result.reasoning == "48/2 = 24, 48 + 24 = 72"
    prose = "She sold 48 then 24, total 72. The answer is 72."
    fallback = parse_output(prose, NUMBER, reasoning=True)
    assert fallback.output == {"answer": 72} and fallback.reasoning == prose
    multi = parse_output(
        '{"reasoning": "late card", "category": "card_arrival", "amount": 0, "note": "-"}', MULTI, reasoning=True
    )
    assert multi.output == {"category": "card_arrival", "amount": 0, "note": "-"}
    assert multi.reasoning == "late card"
    text_only = parse_output("I think it means hello", TEXT, reasoning=True)
    assert text_only.output is None and "reasoning" in text_only.error


def test_json_field():
    assert parse_output('{"fields": {"a": 1}}', JSONF).output == {"fields": {"a": 1}}
    assert parse_output('{"a": 1, "b": [2]}', JSONF).output == {"fields": {"a": 1, "b": [2]}}
    assert parse_output('{"fields": "{\\"a\\": 1}"}', JSONF).output == {"fields": {"a": 1}}
    bad = parse_output("not json at all", JSONF)
    assert bad.output is None and bad.error


@pytest.mark.parametrize("reply", [None, "{", '{"category": ', "```json", "\x00\x01", "{" * 500, "[1, 2"])
def test_garbage_never_raises(reply):
    for spec in (LABEL, NUMBER, TEXT, MULTI, JSONF):
        for reasoning in (False, True):
            result = parse_output(reply, spec, reasoning=reasoning)
            assert (result.output is None) == (result.error is not None)
