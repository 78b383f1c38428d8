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
