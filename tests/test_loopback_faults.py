"""Each injected fault reaches the real clients as the error a real provider outage would give."""

from __future__ import annotations

import json
import socket
import time

import httpx
import openai
import pydantic
import pytest

from taskladder.testing import FailFirst, FaultPlan, LoopbackServer

MSG = [{"role": "user", "content": "hello"}]


def _client(srv: LoopbackServer, **kw) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=srv.base_url, api_key="k", **kw)


def _ask(client: openai.OpenAI, text: str = "hello") -> str:
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content


def test_429_carries_retry_after_header():
    with LoopbackServer(faults=FaultPlan(by_index={0: 429}, retry_after_s=7)) as srv:
        client = _client(srv)
        with pytest.raises(openai.RateLimitError) as info:
            _ask(client)
        assert info.value.status_code == 429
        assert info.value.response.headers["retry-after"] == "7"
        assert info.value.body["code"] == "rate_limit_exceeded"
        assert _ask(client) == "hello"  # index 1 is healthy
        assert [r.fault for r in srv.requests] == ["429", None]


def test_sdk_retry_honours_retry_after():
    # The SDK's own first backoff is 0.375-0.5 s; a 0.05 s Retry-After retries sooner only if
    # the header reached it (fractional seconds are what the SDK parses).
    with LoopbackServer(faults=FaultPlan(by_index={0: "429"}, retry_after_s=0.05)) as srv:
        assert _ask(_client(srv, max_retries=1)) == "hello"
        assert [r.fault for r in srv.requests] == ["429", None]
        gap = srv.requests[1].received_at - srv.requests[0].received_at
    assert 0.04 <= gap < 0.35


@pytest.mark.parametrize("kind,status", [("500", 500), ("503", 503)])
def test_server_errors(kind, status):
    with LoopbackServer(faults=FaultPlan(by_index={0: kind})) as srv:
        with pytest.raises(openai.InternalServerError) as info:
            _ask(_client(srv))
        assert info.value.status_code == status
        r = httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG})
        assert r.status_code == 200  # the fault was for request 0 only


def test_timeout_is_seen_as_client_timeout():
    with LoopbackServer(faults=FaultPlan(by_index={0: "timeout"}, timeout_hold_s=20)) as srv:
        start = time.perf_counter()
        with pytest.raises(openai.APITimeoutError):
            _ask(_client(srv, timeout=0.3))
        assert 0.25 <= time.perf_counter() - start < 5
        srv.reset()  # index 0 again: raw httpx sees the same hold as a read timeout
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG}, timeout=0.2)


def test_held_request_closes_after_hold_and_on_stop():
    srv = LoopbackServer(faults=FaultPlan(by_index={0: "timeout", 1: "timeout"}, timeout_hold_s=0.3)).start()
    try:
        start = time.perf_counter()
        with pytest.raises(httpx.RemoteProtocolError):  # hold elapsed: hang up without answering
            httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG}, timeout=10)
        assert 0.25 <= time.perf_counter() - start < 5
        srv.faults = FaultPlan(by_index={0: "timeout"}, timeout_hold_s=60)
        srv.reset()
        port = srv.port
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        body = json.dumps({"messages": MSG}).encode()
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        while srv.request_count == 0:
            time.sleep(0.01)
    finally:
        start = time.perf_counter()
        srv.stop()
    assert time.perf_counter() - start < 3  # stop() does not wait out a 60 s hold
    assert sock.recv(100) == b""  # the held connection was closed, with nothing sent
    sock.close()


def test_truncated_body():
    with LoopbackServer(faults=FaultPlan(by_index={0: "truncated", 1: "truncated"})) as srv:
        with pytest.raises(openai.APIConnectionError):
            _ask(_client(srv))
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete|peer closed"):
            httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG})


def test_malformed_body():
    with LoopbackServer(faults=FaultPlan(by_index={0: "malformed", 1: "malformed"})) as srv:
        with pytest.raises(ValueError):  # the openai SDK lets json.JSONDecodeError through
            _ask(_client(srv))
        r = httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            r.json()


def test_dropped_connection():
    with LoopbackServer(faults=FaultPlan(by_index={0: "drop", 1: "drop"})) as srv:
        with pytest.raises(openai.APIConnectionError):
            _ask(_client(srv))
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            httpx.post(srv.base_url + "/chat/completions", json={"messages": MSG})


def test_fail_first_n_times_then_succeed_for_one_example():
    plan = FaultPlan(fail_first=[FailFirst(substring="ticket-42", times=2, kind="503")])
    with LoopbackServer(faults=plan) as srv:
        client = _client(srv)
        assert _ask(client, "ticket-7") == "ticket-7"  # other examples are untouched
        for _ in range(2):
            with pytest.raises(openai.InternalServerError):
                _ask(client, "ticket-42")
        assert _ask(client, "ticket-42") == "ticket-42"
        assert _ask(client, "ticket-42") == "ticket-42"
        assert [r.fault for r in srv.requests] == [None, "503", "503", None, None]


def test_fail_first_shorthand_with_sdk_retries():
    with LoopbackServer(faults=FaultPlan(fail_first={"flaky": 1})) as srv:
        assert _ask(_client(srv, max_retries=2), "flaky one") == "flaky one"
        assert [r.fault for r in srv.requests] == ["500", None]


def _fault_sequence(plan: FaultPlan, texts: list[str]) -> dict[str, str | None]:
    with LoopbackServer(faults=plan) as srv, httpx.Client(base_url=srv.base_url) as c:
        for text in texts:
            c.post("/chat/completions", json={"messages": [{"role": "user", "content": text}]})
        return {r.body["messages"][0]["content"]: r.fault for r in srv.requests}


def test_random_faults_are_seeded_and_order_independent():
    texts = [f"example {i}" for i in range(40)]
    plan = FaultPlan(rate=0.5, kinds=("429", "500"), seed=3)
    forward = _fault_sequence(plan, texts)
    backward = _fault_sequence(plan, texts[::-1])
    assert forward == backward  # decided by content, not by arrival order
    failed = [f for f in forward.values() if f]
    assert 8 <= len(failed) <= 32 and set(failed) == {"429", "500"}
    other_seed = _fault_sequence(plan.model_copy(update={"seed": 4}), texts)
    assert other_seed != forward


def test_reset_restarts_index_faults():
    with LoopbackServer(faults=FaultPlan(by_index={0: "500"})) as srv:
        client = _client(srv)
        with pytest.raises(openai.InternalServerError):
            _ask(client)
        assert _ask(client) == "hello"
        srv.reset()
        with pytest.raises(openai.InternalServerError):
            _ask(client)


def test_fault_plan_validation():
    assert FaultPlan(by_index={2: 503}).by_index == {2: "503"}
    assert FaultPlan(kinds="drop").kinds == ("drop",)
    with pytest.raises(pydantic.ValidationError):
        FaultPlan(by_index={0: "418"})
    with pytest.raises(pydantic.ValidationError):
        FaultPlan(rate=1.5)
    with pytest.raises(pydantic.ValidationError):
        FailFirst(substring="x", times=0)
