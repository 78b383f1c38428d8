"""One call's prediction, built without the sums over many calls, is the one they give."""

from __future__ import annotations

import itertools

from taskladder.models.caller import CallOutcome
from taskladder.pipeline.stages.outcomes import _many, prediction_from


def test_one_call_gives_the_prediction_the_general_sums_give():
    shapes = itertools.product(
        [["pos"], [], ["a", "b"]],  # texts
        [0.0, -0.0, 0.25, None, 3],  # cost_usd (3: an int, as a CallOutcome built without validation may hold)
        [False, True],  # cached
        [None, "", "boom"],  # error
        [0.0, 12.5],  # latency_ms
    )
    for texts, cost, cached, error, latency in shapes:
        outcome = CallOutcome.model_construct(
            texts=texts,
            input_tokens=7,
            output_tokens=2,
            cost_usd=cost,
            latency_ms=latency,
            cached=cached,
            error=error,
            logprob=None,
        )
        one = prediction_from([outcome], {"demo_ids": ["d1"]})
        general = _many([outcome], {"demo_ids": ["d1"]})
        assert one.model_dump_json() == general.model_dump_json(), (texts, cost, cached, error)
        assert one.model_fields_set == general.model_fields_set
        assert one.parse_status == general.parse_status


def test_a_reply_that_is_exactly_a_label_parses_as_parse_output_parses_it():
    from taskladder.models.base import Prediction
    from taskladder.pipeline.stages.parse import OutputParser
    from taskladder.prompt import parse_output
    from taskladder.task import TaskSpec

    one_label = TaskSpec.model_validate(
        {
            "name": "t",
            "inputs": ["text"],
            "outputs": {"label": {"type": "label", "labels": ["pos", "neg", "Ünï"]}},
            "data": {"file": "-"},
        }
    )
    two = TaskSpec.model_validate(
        {"name": "t", "inputs": ["text"], "outputs": {"label": "label", "why": "text"}, "data": {"file": "-"}}
    )
    replies = [
        "pos",
        " neg\n",
        "Ünï",
        "POS",
        "",
        "   ",
        "positive",
        '{"label": "pos"}',
        "```\npos\n```",
        "pos.",
        '{"label": "pos", "why": "it is"}',
        "\tpos\t",
    ]
    for spec, labels, reasoning in [
        (one_label, {}, False),
        (one_label, {"label": ["pos", "neg"]}, False),
        (one_label, {}, True),
        (two, {"label": ["pos", "neg"]}, False),
    ]:
        parser = OutputParser(spec, reasoning, labels)
        for reply in replies:
            pred = Prediction(trace={})
            parser.parse_into(pred, reply)
            expected = parse_output(reply, spec, reasoning=reasoning, labels=labels)
            assert (pred.output, pred.parse_error) == (expected.output, expected.error), (reply, labels, reasoning)
            assert pred.trace.get("reasoning") == (expected.reasoning or None)
