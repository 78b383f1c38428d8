"""The OpenAI-compatible server, driven by the official `openai` client over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import openai
import pytest

from taskladder.guard import Guard, GuardConfig
from taskladder.serve import ResponderResult, create_app, make_server

MODEL = "taskladder-test"


class Scripted:
    """A deterministic responder: echoes the last user message; some inputs trigger faults."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[list[dict]] = []
        self.params: list[dict] = []
        self.active = 0
        self.peak = 0
        self.gate: threading.Event | None = None

    async def __call__(self, messages: list[dict], params: dict) -> ResponderResult:
        self.seen.append(messages)
        self.params.append(params)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            last = messages[-1]["content"]
            if self.gate is not None:
                while not self.gate.is_set():
                    await asyncio.sleep(0.01)
            if self.delay:
                await asyncio.sleep(self.delay)
            if "FAIL" in last:
                raise RuntimeError("scripted failure")
            if "LOOP" in last:
                return ResponderResult("Answer. " + "and again " * 30, 5, 300)
            if "JSON" in last:
                return ResponderResult('{"label": "maybe"}', 5, 4)
            return ResponderResult(f"echo: {last}", len(last.split()), 2 + len(last.split()), cached="cached" in last)
        finally:
            self.active -= 1


@contextmanager
def running(app, token=None):
    """Serve ``app`` on 127.0.0.1 at an ephemeral port in a thread; yield the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, "127.0.0.1", port, token, log_level="warning", graceful_timeout_s=5)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.01)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(10)


def client(base: str, token: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=base + "/v1", api_key=token, max_retries=0, timeout=10)


@pytest.fixture(scope="module")
def _shared_server():
    responder = Scripted()
    app = create_app(responder, guard=Guard(), model_name=MODEL, max_concurrency=4)
    with running(app) as (base, _server):
        yield base, responder, app


@pytest.fixture
def served(_shared_server):
    """One server for the module (starting one costs ~0.3 s); each test sees a fresh log."""
    base, responder, app = _shared_server
    responder.seen.clear()
    responder.params.clear()
    return base, responder, app


def test_chat_completion_with_the_openai_client(served):
    base, responder, _ = served
    resp = client(base).chat.completions.create(
        model=MODEL, messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}],
        temperature=0.2, max_tokens=20, seed=7,
    )
    assert resp.choices[0].message.content == "echo: hello there"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.model == MODEL and resp.id.startswith("chatcmpl-")
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (2, 4, 6)
    assert responder.params[-1] == {"temperature": 0.2, "max_tokens": 20, "seed": 7}
    assert resp.model_extra["taskladder_guard"]["input"]["decision"] == "allow"


def test_models_health_and_metrics(served):
    base, _, _ = served
    models = client(base).models.list()
    assert [m.id for m in models.data] == [MODEL]
    assert client(base).models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        client(base).models.retrieve("other-model")
    health = httpx.get(base + "/healthz").json()
    assert health["status"] == "ok" and health["max_concurrency"] == 4
    def counter(text: str, prefix: str) -> float:
        line = next((ln for ln in text.splitlines() if ln.startswith(prefix)), None)
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    ok = 'taskladder_requests_total{endpoint="/v1/chat/completions",status="200"}'
    allowed = 'taskladder_guard_decisions_total{decision="allow",stage="input"}'
    before = httpx.get(base + "/metrics").text
    client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    text = httpx.get(base + "/metrics").text
    assert counter(text, ok) == counter(before, ok) + 1
    assert counter(text, allowed) == counter(before, allowed) + 1
    assert "taskladder_request_latency_seconds_bucket" in text and "taskladder_in_flight 0.0" in text


@pytest.mark.parametrize("body,param", [
    ({"model": MODEL}, "messages"),
    ({"model": MODEL, "messages": []}, "messages"),
    ({"model": MODEL, "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "temperature": 5}, "temperature"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "n": 3}, "n"),
    ({"model": MODEL, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}, "messages.0.content"),
    ({"model": MODEL, "messages": [{"role": "system", "content": "only a system prompt"}]}, "messages"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}}, "response_format"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "x"}],
      "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": 12}}}}, "response_format"),
])
def test_malformed_requests_get_400_in_openai_shape(served, body, param):
    base, responder, _ = served
    r = httpx.post(base + "/v1/chat/completions", json=body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["message"]
    assert err["param"] == param or (err["param"] or "").startswith(param), err
    assert responder.seen == []  # nothing reached the model


def test_bad_json_unknown_model_unknown_path_and_method(served):
    base, _, _ = served
    r = httpx.post(base + "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = httpx.post(base + "/v1/chat/completions", json={"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    assert httpx.get(base + "/v1/nothing").json()["error"]["code"] == "not_found"
    assert httpx.get(base + "/v1/chat/completions").status_code == 405


def test_streaming_through_the_openai_client(served):
    base, responder, _ = served
    stream = client(base).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hello stream"}], stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: hello stream"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 2 + 4
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)


def test_streaming_applies_the_guards_before_the_first_byte(served):
    base, responder, _ = served
    many_shot = "\n".join(f"User: question {i}\nAssistant: answer {i}" for i in range(40))
    with pytest.raises(openai.BadRequestError) as info:  # a 400, not a stream cut short
        client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": many_shot}],
                                             stream=True)
    assert "blocked" in str(info.value)
    with httpx.stream("POST", base + "/v1/chat/completions", json={
            "model": MODEL, "messages": [{"role": "user", "content": "LOOP"}], "stream": True}) as r:
        events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert r.headers["content-type"].startswith("text/event-stream") and events[-1] == "data: [DONE]"
    assert "and again and again" not in "".join(events)  # the repetition was cut before streaming


def test_guard_blocks_many_shot_input_with_findings(served):
    base, responder, _ = served
    dialogue = "\n".join(f"User: q{i}\nAssistant: a{i}" for i in range(12))
    with pytest.raises(openai.BadRequestError) as info:
        client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": dialogue}])
    err = info.value.body
    assert err["code"] == "guard_blocked_input"
    assert err["findings"][0]["check"] == "many_shot" and err["findings"][0]["score"] >= 16
    assert responder.seen == []


def test_guard_redacts_input_and_output_and_reports_it(served):
    base, responder, _ = served
    raw = client(base).chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": "hi\u200b LOOP"}])
    assert raw.headers["x-taskladder-guard"] == "redact"
    resp = raw.parse()
    assert responder.seen[-1][-1]["content"] == "hi LOOP"  # the zero-width space never reached the model
    assert resp.choices[0].message.content.rstrip() == "Answer. and again"
    assert resp.choices[0].finish_reason == "content_filter"
    guard = resp.model_extra["taskladder_guard"]
    assert guard["input"]["findings"][0]["check"] == "invisible_chars"
    assert guard["output"]["findings"][0]["check"] == "repetition_loop"


def test_output_schema_violation_is_blocked(served):
    base, _, _ = served
    schema = {"type": "object", "properties": {"label": {"enum": ["yes", "no"]}}, "required": ["label"]}
    with pytest.raises(openai.BadRequestError) as info:
        client(base).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "JSON please"}],
            response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}})
    assert info.value.body["code"] == "guard_blocked_output"
    assert info.value.body["findings"][0]["check"] == "json_schema"


def test_reminder_wraps_the_last_user_message():
    responder = Scripted()
    guard = Guard(GuardConfig.model_validate({"reminder": {"enabled": True, "before": "[B]", "after": "[A]"}}))
    app = create_app(responder, guard=guard, model_name=MODEL, max_concurrency=2)
    with running(app) as (base, _):
        client(base).chat.completions.create(model=MODEL, messages=[
            {"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "second"}])
    sent = responder.seen[-1]
    assert sent[0]["content"] == "first" and sent[2]["content"] == "[B]\n\nsecond\n\n[A]"


def test_responder_failure_is_a_500_without_details(served):
    base, _, _ = served
    with pytest.raises(openai.InternalServerError) as info:
        client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "FAIL"}])
    assert "scripted failure" not in str(info.value)
    assert info.value.body["code"] == "responder_error"


def test_sync_responder_and_cache_header():
    def sync_responder(messages, params):
        return ResponderResult("sync answer", 1, 2, cached=True)

    app = create_app(sync_responder, guard=None, model_name=MODEL, max_concurrency=2)
    with running(app) as (base, _):
        raw = client(base).chat.completions.with_raw_response.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
        assert raw.parse().choices[0].message.content == "sync answer"
        assert raw.headers["x-taskladder-cache"] == "hit"
        assert "x-taskladder-guard" not in raw.headers
        assert "taskladder_cache_hits_total 1.0" in httpx.get(base + "/metrics").text


def test_concurrent_load_is_served_within_the_concurrency_bound():
    responder = Scripted(delay=0.02)
    app = create_app(responder, guard=Guard(), model_name=MODEL, max_concurrency=6)
    with running(app) as (base, _):
        c = client(base)

        def one(i: int) -> str:
            r = c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": f"question {i}"}])
            return r.choices[0].message.content

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(one, range(60)))
        metrics = httpx.get(base + "/metrics").text
    assert answers == [f"echo: question {i}" for i in range(60)]
    assert 1 < responder.peak <= 6
    assert 'taskladder_requests_total{endpoint="/v1/chat/completions",status="200"} 60.0' in metrics


def test_saturation_returns_429_with_retry_after():
    responder = Scripted()
    responder.gate = threading.Event()
    app = create_app(responder, guard=Guard(), model_name=MODEL, max_concurrency=2)
    body = {"model": MODEL, "messages": [{"role": "user", "content": "wait"}]}
    with running(app) as (base, _):
        with ThreadPoolExecutor(2) as pool:
            pending = [pool.submit(httpx.post, base + "/v1/chat/completions", json=body, timeout=10) for _ in range(2)]
            deadline = time.time() + 5
            while app.state.limiter.in_flight < 2 and time.time() < deadline:
                time.sleep(0.01)
            r = httpx.post(base + "/v1/chat/completions", json=body)
            assert r.status_code == 429
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["error"]["code"] == "rate_limit_exceeded"
            with pytest.raises(openai.RateLimitError):
                client(base).chat.completions.create(**body)
            responder.gate.set()
            assert [p.result().status_code for p in pending] == [200, 200]
        # capacity is back once the slow requests finished
        assert httpx.post(base + "/v1/chat/completions", json=body).status_code == 200


def test_request_body_size_cap():
    app = create_app(Scripted(), guard=None, model_name=MODEL, max_concurrency=2, max_request_bytes=1000)
    with running(app) as (base, _):
        r = httpx.post(base + "/v1/chat/completions",
                       json={"model": MODEL, "messages": [{"role": "user", "content": "x" * 2000}]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_body_cap_counts_bytes_read_from_a_chunked_body():
    """No Content-Length: the cap must hold on what arrives, and the 413 must come at once."""
    app = create_app(Scripted(), guard=None, model_name=MODEL, max_concurrency=2, max_request_bytes=100_000)
    with running(app) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"a" * 65536
            sent, reply, start = 0, b"", time.perf_counter()
            sock.setblocking(False)
            while sent < 200 * 1024 * 1024 and not reply:
                try:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.01)
                try:
                    reply = sock.recv(65536)
                except BlockingIOError:
                    pass
            assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
            assert sent < 32 * 1024 * 1024 and time.perf_counter() - start < 5  # not the 200 MB
        big = "x" * 150_000
        with pytest.raises(openai.APIStatusError) as info:
            client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": big}])
        assert info.value.status_code == 413
        ok = client(base).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "small"}])
        assert ok.choices[0].message.content == "echo: small"


def test_slow_responder_times_out_with_504():
    responder = Scripted(delay=2.0)
    app = create_app(responder, guard=None, model_name=MODEL, max_concurrency=2, request_timeout_s=0.2)
    with running(app) as (base, _):
        r = httpx.post(base + "/v1/chat/completions", json={"model": MODEL, "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 504 and r.json()["error"]["code"] == "timeout"
