"""The run kernel's worker start-up (runner.kernel._run_workers): one worker per call slot first,
the rest once an answer is back, so the first requests leave before the whole pool has prepared."""

from __future__ import annotations

import asyncio

import pytest

from taskladder.runner.kernel import _run_workers


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
