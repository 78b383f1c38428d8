"""ModelCaller: cache, retries with backoff and Retry-After, give-up, cost accounting."""

from __future__ import annotations

import asyncio
import time

import pytest

from taskladder.models.config import ModelConfig, Price
from taskladder.models.errors import ProviderError, classify, parse_retry_after
from taskladder.models.llm import CallResult
from taskladder.runner import ModelCaller, RunStats
from taskladder.runner.ratelimit import RateLimiter
from taskladder.runner.retry import RetryPolicy
from taskladder.store import Store


class FlakyClient:
    """Fails with the given errors first, then answers."""

    def __init__(self, failures: list[Exception]):
        self.failures = list(failures)
        self.calls = 0
        self.times: list[float] = []

    async def complete(self, messages, params):
        self.calls += 1
        self.times.append(time.monotonic())
        if self.failures:
            raise self.failures.pop(0)
        return CallResult(texts=["ok"], input_tokens=1000, output_tokens=500, latency_ms=12.0)


def make_caller(client, **cfg_kwargs) -> ModelCaller:
    cfg = ModelConfig(name="m", model="openai/test", price=Price(input_per_mtok=1.0, output_per_mtok=2.0), **cfg_kwargs)
    caller = ModelCaller(cfg, Store(), RunStats(), client=client)
    caller.retry = RetryPolicy(max_retries=cfg.max_retries, base_s=0.01, max_s=0.05)
    return caller


MSGS = [{"role": "user", "content": "hi"}]


async def test_retry_after_is_honoured_then_succeeds():
    client = FlakyClient([ProviderError("429", retryable=True, status=429, retry_after=0.3)])
    caller = make_caller(client)
    out = await caller.call(MSGS)
    assert out.text == "ok" and client.calls == 2 and not out.error
    assert client.times[1] - client.times[0] >= 0.3
    assert caller.stats.retries == 1 and caller.stats.by_status == {"429": 1}


async def test_cost_and_cache_keep_original_cost_and_latency():
    client = FlakyClient([])
    caller = make_caller(client)
    first = await caller.call(MSGS)
    assert first.cost_usd == pytest.approx((1000 * 1 + 500 * 2) / 1e6)
    again = await caller.call(MSGS)
    assert client.calls == 1 and again.cached
    assert again.cost_usd == first.cost_usd and again.latency_ms == first.latency_ms
    assert caller.stats.calls == 1 and caller.stats.cached_calls == 1


async def test_sample_index_and_params_change_the_key():
    client = FlakyClient([])
    caller = make_caller(client)
    await caller.call(MSGS)
    await caller.call(MSGS, sample_index=1)
    await caller.call(MSGS, {"temperature": 0.7})
    assert client.calls == 3


async def test_gives_up_after_max_retries_and_records_error():
    client = FlakyClient([ProviderError("500", retryable=True, status=500)] * 10)
    caller = make_caller(client, max_retries=2)
    out = await caller.call(MSGS)
    assert out.error and "gave up after 3 attempts" in out.error
    assert client.calls == 3 and caller.stats.errors == 1


async def test_non_retryable_fails_at_once():
    client = FlakyClient([ProviderError("bad key", retryable=False, status=401)])
    caller = make_caller(client)
    out = await caller.call(MSGS)
    assert out.error and client.calls == 1


async def test_unknown_price_is_none_not_zero():
    cfg = ModelConfig(name="m", model="openai/some-model-nobody-prices")
    caller = ModelCaller(cfg, Store(), RunStats(), client=FlakyClient([]))
    out = await caller.call(MSGS)
    assert out.cost_usd is None and caller.stats.unknown_cost_calls == 1


async def test_concurrency_is_bounded():
    active, peak = 0, 0

    class Slow:
        async def complete(self, messages, params):
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.02)
            active -= 1
            return CallResult(texts=["x"])

    caller = make_caller(Slow(), concurrency=3)
    await asyncio.gather(*(caller.call([{"role": "user", "content": str(i)}]) for i in range(12)))
    assert peak == 3


async def test_rate_limiter_rpm():
    limiter = RateLimiter(rpm=3, window_s=0.3)
    start = time.monotonic()
    for _ in range(6):
        await limiter.acquire()
    assert time.monotonic() - start >= 0.3


def test_classify_reads_status_and_retry_after():
    class Resp:
        status_code = 429
        headers = {"Retry-After": "7"}

    class RateLimitError(Exception):
        response = Resp()

    err = classify(RateLimitError("slow down"))
    assert err.retryable and err.status == 429 and err.retry_after == 7.0
    assert not classify(type("AuthenticationError", (Exception,), {"status_code": 401})("no")).retryable
    assert classify(asyncio.TimeoutError()).retryable
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


async def test_identical_requests_in_flight_are_paid_once():
    class Slow:
        calls = 0

        async def complete(self, messages, params):
            Slow.calls += 1
            await asyncio.sleep(0.05)
            return CallResult(texts=["x"], input_tokens=10, output_tokens=1)

    caller = make_caller(Slow())
    outs = await asyncio.gather(*(caller.call(MSGS) for _ in range(5)))
    assert Slow.calls == 1 and caller.stats.calls == 1 and caller.stats.cached_calls == 4
    assert [o.cached for o in outs].count(False) == 1 and {o.text for o in outs} == {"x"}


async def test_keys_echoed_in_provider_errors_never_reach_the_record(monkeypatch):
    monkeypatch.setenv("MY_KEY", "custom-secret-value-42")
    echo = ProviderError("401: Incorrect API key provided: sk-proj-abcdef123456. Also custom-secret-value-42 "
                         "and Authorization: Bearer abcdefghijkl", retryable=False, status=401)
    caller = make_caller(FlakyClient([echo]), api_key_env="MY_KEY")
    out = await caller.call(MSGS)
    assert "sk-proj" not in out.error and "custom-secret-value-42" not in out.error
    assert "abcdefghijkl" not in out.error and out.error.count("[redacted]") == 3
