"""Latency is honoured, concurrent requests overlap, and async code can drive the server."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai
import pytest

from taskladder.testing import LoopbackProcess, LoopbackServer


def test_fixed_latency_is_honoured():
    with LoopbackServer(latency_ms=200) as srv:
        start = time.perf_counter()
        r = httpx.post(srv.base_url + "/chat/completions", json={"messages": [{"role": "user", "content": "x"}]})
        elapsed = time.perf_counter() - start
    assert r.status_code == 200
    assert 0.2 <= elapsed < 2.0


def test_latency_callable_sees_the_request():
    def latency(req: dict) -> float:
        return 300.0 if "slow" in req["messages"][-1]["content"] else 0.0

    with LoopbackServer(latency_ms=latency) as srv, httpx.Client(base_url=srv.base_url) as c:
        timings = {}
        for text in ("fast", "slow"):
            start = time.perf_counter()
            c.post("/chat/completions", json={"messages": [{"role": "user", "content": text}]})
            timings[text] = time.perf_counter() - start
    assert timings["slow"] >= 0.3
    assert timings["fast"] < timings["slow"] - 0.15


async def test_64_concurrent_requests_overlap():
    n, latency_s = 64, 0.1
    async with LoopbackServer(latency_ms=latency_s * 1000) as srv:
        async with openai.AsyncOpenAI(base_url=srv.base_url, api_key="k", max_retries=0) as client:
            await client.models.list()  # connection set-up and SDK warm-up outside the timing
            srv.reset()
            start = time.perf_counter()
            results = await asyncio.gather(*(
                client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"q{i}"}])
                for i in range(n)
            ))
            elapsed = time.perf_counter() - start
        assert sorted(r.choices[0].message.content for r in results) == sorted(f"q{i}" for i in range(n))
        arrivals = [r.received_at for r in srv.requests]
    assert len(arrivals) == n
    serial = n * latency_s
    # Serial service would take 6.4 s; overlapped it is ~0.1 s plus client overhead.
    assert elapsed < serial / 3, f"{n} requests at {latency_s * 1000:.0f} ms took {elapsed:.2f}s"
    # All requests were in flight together: they all arrived before the first answer was due.
    assert max(arrivals) - min(arrivals) < serial / 3


def test_sync_and_async_clients_share_one_server():
    with LoopbackServer(latency_ms=50) as srv:
        sync_answer = openai.OpenAI(base_url=srv.base_url, api_key="k").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "sync"}]
        )

        async def run() -> str:
            async with openai.AsyncOpenAI(base_url=srv.base_url, api_key="k") as client:
                r = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "async"}])
                return r.choices[0].message.content

        assert asyncio.run(run()) == "async"
        assert sync_answer.choices[0].message.content == "sync"
        assert srv.request_count == 2


def test_two_servers_get_distinct_ports():
    with LoopbackServer() as a, LoopbackServer() as b:
        assert a.port != b.port
        assert a.base_url == f"http://127.0.0.1:{a.port}/v1"


def test_module_entry_point_serves_in_a_child_process():
    with LoopbackProcess(latency_ms=100, models=("m1",)) as proc:
        assert proc.base_url is not None and proc.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=proc.base_url) as c:
            assert c.get("/models").json()["data"][0]["id"] == "m1"
            start = time.perf_counter()
            r = c.post("/chat/completions", json={"messages": [{"role": "user", "content": "ping"}]})
            assert time.perf_counter() - start >= 0.1
        assert r.json()["choices"][0]["message"]["content"] == "ping"
        url = proc.base_url
    with pytest.raises(httpx.ConnectError):  # the child process is gone with its port
        httpx.get(url + "/models", timeout=2)
