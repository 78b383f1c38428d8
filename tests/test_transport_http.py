"""The direct path for OpenAI-compatible servers (models.http1; aiohttp behind a proxy): same answers, same failures, as asked.

Each test drives real sockets against a LoopbackServer: the direct client
(``openai_http.OpenAICompatibleClient``) against the old paths (LiteLLM, the openai SDK).
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import warnings

import pytest
from helpers import sentiment_rows, write_task

from taskladder.models.config import ModelConfig
from taskladder.models.errors import ProviderError
from taskladder.models.llm import OpenAICompatibleClient, OpenAISDKClient, make_client
from taskladder.models.openai_http import proxy_for
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.runner.retry import RetryPolicy
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import FaultPlan, LoopbackServer, mapping_responder

RESPONDER = mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                               "wonderful": "pos"}, default="neg")
RECORD_FIELDS = ("example_id", "prediction", "raw_text", "parse_status", "score", "input_tokens", "output_tokens",
                 "cost_usd", "spent_usd", "calls", "cached_calls", "error")


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(60)))


def model(srv, **kw) -> ModelConfig:
    base = dict(name="loop", model="openai/loopback", api_base=srv.base_url, concurrency=4, timeout_s=5,
                max_retries=2, price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})
    base.update(kw)
    return ModelConfig(**base)


def test_openai_models_take_the_direct_client_unless_told_otherwise():
    base = dict(name="o", model="openai/m", api_base="http://127.0.0.1:9/v1")
    assert type(make_client(ModelConfig(**base))) is OpenAICompatibleClient
    assert type(make_client(ModelConfig(**base, transport="openai"))) is OpenAICompatibleClient
    assert type(make_client(ModelConfig(**base, transport="openai-sdk"))) is OpenAISDKClient
    # Another prefix on an OpenAI-compatible server: the direct client, told so, sends the bare model name.
    other = make_client(ModelConfig(name="v", model="hosted_vllm/qwen", api_base="http://127.0.0.1:9/v1",
                                    transport="openai"))
    assert type(other) is OpenAICompatibleClient and other._model == "qwen"


@pytest.mark.parametrize("old", ["litellm", "openai-sdk"])
def test_direct_path_gives_the_same_records_scores_tokens_and_costs(task, tmp_path, old):
    with LoopbackServer(RESPONDER) as srv:
        before = evaluate(task, "loop", models={"loop": model(srv, transport=old)}, split="test",
                          store=Store(tmp_path / "old.sqlite"), progress=False)
        direct = evaluate(task, "loop", models={"loop": model(srv)}, split="test",
                          store=Store(tmp_path / "new.sqlite"), progress=False)
        sent = srv.requests
    assert len(sent) == 2 * before.summary.n
    # The same JSON reached the server both ways (model name, messages, temperature).
    half = len(sent) // 2
    as_sent = sorted((str(r.body["messages"]), r.body["model"], r.body.get("temperature")) for r in sent[:half])
    assert as_sent == sorted((str(r.body["messages"]), r.body["model"], r.body.get("temperature"))
                             for r in sent[half:])
    old_records = {r.example_id: r for r in before.records}
    assert before.summary.errors == 0 and before.summary.input_tokens > 0
    for record in direct.records:
        mine, theirs = record.model_dump(), old_records[record.example_id].model_dump()
        assert {f: mine[f] for f in RECORD_FIELDS} == {f: theirs[f] for f in RECORD_FIELDS}
    for field in ("score", "n", "input_tokens", "output_tokens", "cost_usd", "calls", "errors", "parse_failures"):
        assert getattr(direct.summary, field) == pytest.approx(getattr(before.summary, field)), field


FAULTS = ["401", "404", "429", "500", "503", "malformed", "truncated", "drop"]


async def _failure(client, srv, kind: str) -> ProviderError:
    srv.faults = FaultPlan(by_index={0: kind}, retry_after_s=3)
    srv.reset()
    with pytest.raises(ProviderError) as info:
        await client.complete([{"role": "user", "content": "hi"}], {"temperature": 0})
    return info.value


@pytest.mark.parametrize("kind", FAULTS)
async def test_failures_classify_as_the_sdk_classified_them(kind):
    async with LoopbackServer(RESPONDER) as srv:
        sdk = OpenAISDKClient(model(srv, transport="openai-sdk"))
        direct = OpenAICompatibleClient(model(srv))
        theirs = await _failure(sdk, srv, kind)
        mine = await _failure(direct, srv, kind)
        await sdk._client.close()
    # Retrying, stopping (401/403/404) and waiting (Retry-After) all key on these: they must not move.
    assert (mine.retryable, mine.status, mine.retry_after) == (theirs.retryable, theirs.status, theirs.retry_after)
    if kind in ("truncated", "drop"):  # the SDK says "Connection error."; the direct path adds the cause
        assert str(mine).startswith("APIConnectionError: Connection error.")
        assert str(theirs).startswith("APIConnectionError: Connection error.")
    elif kind == "malformed":
        assert str(mine).split(":")[0] == str(theirs).split(":")[0] == "JSONDecodeError"
    else:
        assert str(mine) == str(theirs)  # e.g. "AuthenticationError (HTTP 401): Error code: 401 - ..."
    assert "sk-loop-wrong-key" not in str(mine)  # the echoed key is scrubbed


async def test_a_timeout_is_retryable_and_says_so():
    async with LoopbackServer(RESPONDER, latency_ms=2000) as srv:
        client = OpenAICompatibleClient(model(srv, timeout_s=0.2))
        with pytest.raises(ProviderError) as info:
            await client.complete([{"role": "user", "content": "hi"}], {})
    assert info.value.retryable and "Request timed out" in str(info.value)


def test_retries_429_then_answers_through_the_runner(tmp_path, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "model_post_init", lambda self, _: setattr(self, "base_s", 0.01) or None)
    with LoopbackServer(RESPONDER, faults=FaultPlan(by_index={0: "429", 1: "500"}, retry_after_s=0.01)) as srv:
        caller = ModelCaller(model(srv), Store(tmp_path / "s.sqlite"))
        outcome = asyncio.run(caller.call([{"role": "user", "content": "great film"}]))
    assert outcome.error is None and outcome.text == "pos" and caller.stats.retries >= 1
    assert caller.stats.by_status.get("429") == 1


def test_the_pool_follows_the_asked_concurrency_not_the_models_yaml_default(task, tmp_path):
    # models.yaml says 2, the command asks for 40: 40 calls go out together (the old SDK pool,
    # sized from models.yaml, held max(2 * 2, 16) = 16 connections).
    with LoopbackServer(RESPONDER, latency_ms=600) as srv:
        evaluate(task, "loop", models={"loop": model(srv, concurrency=2)}, split="train", concurrency=40,
                 store=Store(tmp_path / "s.sqlite"), progress=False)
        arrivals = sorted(r.received_at for r in srv.requests)
    peak = max(sum(1 for t in arrivals if start <= t < start + 0.5) for start in arrivals)
    assert peak > 16, peak


def test_one_session_per_event_loop_closed_with_it(tmp_path):
    with LoopbackServer(RESPONDER) as srv:
        client = OpenAICompatibleClient(model(srv))
        messages = [{"role": "user", "content": "great"}]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an unclosed session or socket would warn here
            first = asyncio.run(client.complete(messages, {}))
            pool = client._pool
            assert not pool._idle  # asyncio.run closed its connections with its loop
            second = asyncio.run(client.complete(messages, {}))  # a new run, a new loop: a new session
            gc.collect()
    assert first.texts == second.texts == ["pos"] and first.input_tokens == second.input_tokens > 0


def test_proxy_from_the_environment_is_looked_up_once_and_honours_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert proxy_for("https://api.openai.com/v1/chat/completions") == "http://proxy.example:3128"
    assert proxy_for("https://internal.example/v1/chat/completions") is None


def test_a_server_behind_a_proxy_is_called_through_it(monkeypatch):
    # The direct path speaks to the server itself; a proxy named by the environment is honoured
    # through aiohttp (the loopback server answers absolute-form proxy requests).
    with LoopbackServer(RESPONDER) as srv:
        monkeypatch.setenv("HTTP_PROXY", srv.base_url.rsplit("/v1", 1)[0])
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = OpenAICompatibleClient(model(srv, api_base="http://upstream.invalid/v1"))
        result = asyncio.run(client.complete([{"role": "user", "content": "great"}], {}))
        sent = srv.requests
    assert result.texts == ["pos"]
    assert [r.path for r in sent] == ["http://upstream.invalid/v1/chat/completions"]


def test_an_eval_on_the_direct_path_imports_neither_litellm_nor_the_openai_sdk(tmp_path):
    # Priced from LiteLLM's bundled JSON, key checked without LiteLLM, called directly: the ~4 s
    # LiteLLM import (and the SDK's) is paid only by a model that needs them.
    task_path = write_task(tmp_path / "t", sentiment_rows(20))
    code = f"""
import os, sys
from taskladder.models.config import ModelConfig
from taskladder.models.pricing import lookup_price
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import LoopbackServer
os.environ["OPENAI_API_KEY"] = "sk-test-0123456789"
with LoopbackServer() as srv:
    cfg = ModelConfig(name="m", model="openai/gpt-4o-mini", api_base=srv.base_url, concurrency=4)
    result = evaluate(load_task({str(task_path)!r}), "m", models={{"m": cfg}}, progress=False,
                      store=Store({str(tmp_path / 's.sqlite')!r}))
assert result.summary.calls == result.summary.n > 0 and result.summary.cost_usd > 0, result.summary
assert lookup_price(cfg).input_per_mtok > 0
assert "litellm" not in sys.modules and "openai" not in sys.modules, [m for m in sys.modules if "litellm" in m][:3]
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TASKLADDER_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_bundled_price_map_gives_litellms_prices():
    from taskladder.models.litellm_loader import load_litellm
    from taskladder.models.pricing import _price_in, bundled_cost_map

    bundled, litellm = bundled_cost_map(), load_litellm().model_cost
    assert bundled is not None
    for model in ("openai/gpt-4o-mini", "gpt-4o", "openai/gpt-4.1-nano", "anthropic/claude-3-5-haiku-20241022"):
        assert _price_in(bundled, model) == _price_in(litellm, model)
