"""The run kernel's hot path: the worker start-up (``_run_workers``: one worker per call slot first,
the rest once an answer is back, so the first requests leave before the whole pool has prepared)
and ``record_of`` (a record built without validation, stored exactly as a validated one)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from taskladder.metrics import get_metric
from taskladder.models.base import Prediction, Usage
from taskladder.runner.kernel import _run_workers, record_of
from taskladder.store import Record, RunInfo
from taskladder.task import Example


async def _turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_the_workers_past_the_first_start_once_an_answer_is_back():
    started: list[int] = []
    answered, reply = asyncio.Event(), asyncio.Event()

    async def worker() -> None:
        started.append(len(started))
        await reply.wait()  # the provider has not answered yet
        answered.set()

    run = asyncio.ensure_future(_run_workers(worker, 100, 40, answered))
    await _turns(10)
    assert len(started) == 40  # the first 40 (32, then 8), and no more while no answer is back
    reply.set()
    await run
    assert len(started) == 100


async def test_the_rest_start_even_if_the_first_workers_finish_without_an_answer():
    started: list[int] = []

    async def worker() -> None:  # e.g. every example of a tiny split errored before any answer
        started.append(1)

    await asyncio.wait_for(_run_workers(worker, 12, 3, asyncio.Event()), 5)
    assert len(started) == 12


async def test_a_failing_worker_cancels_the_others():
    cancelled: list[int] = []

    async def worker() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(1)
            raise

    async def failing() -> None:
        raise RuntimeError("provider answered nonsense")

    workers = iter([failing] + [worker] * 7)
    with pytest.raises(RuntimeError, match="nonsense"):
        await asyncio.wait_for(_run_workers(lambda: next(workers)(), 8, 8, asyncio.Event()), 5)
    await _turns(2)
    assert len(cancelled) == 7


@pytest.mark.parametrize(
    "prediction",
    [
        Prediction(
            output={"label": "pos"},
            raw_text="pos",
            usage=Usage(input_tokens=12, output_tokens=1),
            cost_usd=0.00012,
            spent_usd=0.00012,
            latency_ms=103.5,
            calls=1,
            trace={"demo_ids": ["a"]},
        ),
        Prediction(
            output=None,
            raw_text="¿qué?",
            parse_error="no label",
            cost_usd=None,
            latency_ms=7,
            cached=True,
            cached_calls=2,
            confidence=np.float64(0.25),
        ),
        Prediction(error="timeout after 60 s", cost_usd=0, spent_usd=0),
        # Built without validation by its predictor: ints where Record declares floats.
        Prediction.model_construct(
            output={"label": "neg"},
            raw_text="neg",
            usage=Usage(input_tokens=3, output_tokens=1),
            cost_usd=0,
            spent_usd=0,
            latency_ms=7,
            calls=1,
            confidence=1,
        ),
    ],
)
def test_a_record_is_stored_exactly_as_a_validated_one(prediction):
    run = RunInfo(
        run_id="r1", task="t", task_fingerprint="f", model="m", split="dev", metric="accuracy", created_at=0.0
    )
    example = Example(id="e1", inputs={"text": "ünïcode 1"}, outputs={"label": "pos"})
    built = record_of(run, example, prediction, get_metric("accuracy", field="label"))
    validated = Record.model_validate(built.model_dump())
    assert built.model_dump_json() == validated.model_dump_json()
    assert built == validated
    assert {k: type(v) for k, v in built} == {k: type(v) for k, v in validated}  # an int is not left in a float
