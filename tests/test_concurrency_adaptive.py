"""Calls in flight per model: exactly as asked, or adaptive (back off on 429 / Retry-After, grow again)."""

from __future__ import annotations

import asyncio

import pytest

from taskladder.models.config import ModelConfig
from taskladder.runner import ratelimit
from taskladder.runner.calls import ModelCaller
from taskladder.runner.ratelimit import ADAPTIVE_START, ConcurrencyLimit
from taskladder.runner.retry import RetryPolicy
from taskladder.store import Store
from taskladder.testing import FaultPlan, LoopbackServer, mapping_responder


async def _hold(limit: ConcurrencyLimit, seconds: float) -> None:
    async with limit:
        await asyncio.sleep(seconds)


async def test_a_fixed_limit_reaches_exactly_the_asked_concurrency():
    limit = ConcurrencyLimit(300)
    await asyncio.gather(*(_hold(limit, 0.05) for _ in range(900)))
    assert limit.peak == 300 and limit.in_flight == 0


async def test_a_fixed_limit_ignores_rate_limit_signals():
    limit = ConcurrencyLimit(10)
    limit.rate_limited()
    limit.succeeded()
    assert limit.limit == 10


def test_adaptive_slow_start_then_halving_then_additive_growth(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    limit = ConcurrencyLimit(64, adaptive=True)
    assert limit.limit == ADAPTIVE_START
    for _ in range(100):
        limit.succeeded()
    assert limit.limit == 64  # slow start: one slot per success, capped at the asked concurrency
    limit.rate_limited()
    limit.rate_limited()  # the same burst of 429s: halved once
    assert limit.limit == 32 and limit.backoffs == 1
    clock[0] += 5
    limit.rate_limited()
    assert limit.limit == 16 and limit.backoffs == 2
    for _ in range(15):
        limit.succeeded()
    assert limit.limit == 16  # past a backoff: one slot per `limit` successes, not one per success
    limit.succeeded()
    assert limit.limit == 17
    for _ in range(10_000):
        limit.succeeded()
    assert limit.limit == 64  # grows back, never above the asked concurrency


async def test_a_cancelled_waiter_leaves_no_slot_behind():
    limit = ConcurrencyLimit(1)
    await limit.acquire()
    waiter = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    limit.release()  # hands the slot to the waiter...
    waiter.cancel()  # ...which is cancelled before it runs: the slot must come back
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limit.in_flight == 0
    await asyncio.wait_for(limit.acquire(), 1)


def _caller(srv, tmp_path, **kw) -> ModelCaller:
    cfg = ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url, timeout_s=5, max_retries=6,
                      price={"input_per_mtok": 1.0, "output_per_mtok": 2.0}, **kw)
    return ModelCaller(cfg, Store(tmp_path / "s.sqlite"))


async def _calls(caller: ModelCaller, n: int) -> list:
    return await asyncio.gather(*(caller.call([{"role": "user", "content": f"q {i}"}]) for i in range(n)))


def test_adaptive_caller_backs_off_on_429_and_still_answers_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "model_post_init", lambda self, _: setattr(self, "base_s", 0.01) or None)
    faults = FaultPlan(by_index={i: "429" for i in range(0, 40, 2)}, retry_after_s=0.05)
    with LoopbackServer(mapping_responder({}, default="ok"), latency_ms=20, faults=faults) as srv:
        caller = _caller(srv, tmp_path, concurrency=32, adaptive_concurrency=True)
        outcomes = asyncio.run(_calls(caller, 120))
    assert all(o.error is None for o in outcomes)
    assert caller.slots.backoffs >= 1 and caller.stats.by_status.get("429") == 20
    assert caller.slots.peak <= 32


def test_fixed_caller_sends_exactly_the_asked_concurrency(tmp_path):
    with LoopbackServer(mapping_responder({}, default="ok"), latency_ms=300) as srv:
        caller = _caller(srv, tmp_path, concurrency=48)
        outcomes = asyncio.run(_calls(caller, 96))
    assert all(o.error is None for o in outcomes)
    assert caller.slots.peak == 48
