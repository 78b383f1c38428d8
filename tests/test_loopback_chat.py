"""LoopbackServer speaks the OpenAI chat/embeddings/models protocol to the real clients."""

from __future__ import annotations

import json
import math
import socket

import httpx
import openai
import pytest

from taskladder.testing import LoopbackServer, count_tokens, echo_responder, mapping_responder


@pytest.fixture
def srv():
    with LoopbackServer(models=("loopback", "other-model")) as server:
        yield server


def _client(srv: LoopbackServer, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=srv.base_url, api_key="sk-secret-value", max_retries=0, **kw)


def test_completion_shape_and_usage(srv):
    messages = [
        {"role": "system", "content": "Classify the support ticket."},
        {"role": "user", "content": "Ticket:\nI was charged twice for one coffee"},
    ]
    resp = _client(srv).chat.completions.create(model="gpt-x", messages=messages)
    assert resp.object == "chat.completion"
    assert resp.model == "gpt-x"
    assert len(resp.choices) == 1
    choice = resp.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert choice.message.content == "I was charged twice for one coffee"  # default: echo last line
    expected_prompt = sum(count_tokens(m["content"]) for m in messages)
    assert resp.usage.prompt_tokens == expected_prompt > 0
    assert resp.usage.completion_tokens == count_tokens(choice.message.content) > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens


def test_token_counts_are_real_cl100k():
    # Facts of the cl100k_base vocabulary, not of this code: a length estimate would fail them.
    assert count_tokens("hello world") == 2
    assert count_tokens("hello") == 1
    assert count_tokens("text with <|endoftext|> inside") > 3  # special tokens count, never raise


def test_n_choices_and_list_responder():
    with LoopbackServer(lambda req: ["A", "B", "C"]) as srv:
        resp = _client(srv).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "vote"}], n=5
        )
    assert [c.index for c in resp.choices] == [0, 1, 2, 3, 4]
    assert [c.message.content for c in resp.choices] == ["A", "B", "C", "A", "B"]
    assert resp.usage.completion_tokens == sum(count_tokens(t) for t in "ABCAB")


def test_n_choices_with_string_answer(srv):
    resp = _client(srv).chat.completions.create(model="m", messages=[{"role": "user", "content": "same"}], n=3)
    assert [c.message.content for c in resp.choices] == ["same"] * 3


def test_mapping_responder_first_match_then_default():
    respond = mapping_responder({"refund": "refund_request", "card": "card_issue"}, default="other")
    with LoopbackServer(respond) as srv:
        client = _client(srv)

        def ask(text: str) -> str:
            r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
            return r.choices[0].message.content

        assert ask("I want a refund for my card") == "refund_request"  # mapping order wins
        assert ask("my card is blocked") == "card_issue"
        assert ask("hello there") == "other"
    echo = mapping_responder({"x": "y"})
    assert echo({"messages": [{"role": "user", "content": "a\nb\n"}]}) == "b"
    assert echo_responder({"messages": [{"role": "system", "content": "s"}]}) == ""


def test_streaming_sse_chunks(srv):
    stream = _client(srv).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "the quick brown fox"}],
        stream=True, stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "the quick brown fox"
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == count_tokens(text)


def test_models_endpoints(srv):
    client = _client(srv)
    assert [m.id for m in client.models.list()] == ["loopback", "other-model"]
    assert client.models.retrieve("other-model").id == "other-model"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("missing")


def test_embeddings_deterministic_and_word_sensitive(srv):
    client = _client(srv)
    texts = ["refund my card payment", "refund my card", "weather in paris today"]
    first = client.embeddings.create(model="emb", input=texts)  # SDK default: base64 encoding
    again = client.embeddings.create(model="emb", input=texts, encoding_format="float")
    vecs = [d.embedding for d in first.data]
    for base64_vec, float_vec in zip(vecs, (d.embedding for d in again.data), strict=True):
        assert base64_vec == pytest.approx(float_vec, abs=1e-6)  # float32 on the base64 path
    assert all(len(v) == 64 and math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5) for v in vecs)

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2])
    assert first.usage.prompt_tokens == sum(count_tokens(t) for t in texts)
    short = client.embeddings.create(model="emb", input="x", dimensions=8)
    assert len(short.data[0].embedding) == 8


def test_requests_recorded_without_authorization_value(srv):
    _client(srv).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    httpx.post(srv.base_url + "/chat/completions", json={"messages": [{"role": "user", "content": "raw"}]})
    reqs = srv.requests
    assert srv.request_count == 2 and [r.index for r in reqs] == [0, 1]
    assert reqs[0].body["messages"][0]["content"] == "hi" and reqs[0].path == "/v1/chat/completions"
    assert [r.has_authorization for r in reqs] == [True, False]
    assert "sk-secret-value" not in json.dumps([r.model_dump() for r in reqs])
    assert reqs[0].received_at <= reqs[1].received_at
    srv.reset()
    assert srv.request_count == 0 and srv.requests == []


def test_require_auth_rejects_missing_header():
    with LoopbackServer(require_auth=True) as srv:
        r = httpx.post(srv.base_url + "/chat/completions", json={"messages": [{"role": "user", "content": "x"}]})
        assert r.status_code == 401
        ok = _client(srv).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert ok.choices[0].message.content == "x"


def test_bad_requests_get_openai_error_bodies(srv):
    with httpx.Client(base_url=srv.base_url) as c:
        bad_json = c.post("/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
        no_messages = c.post("/chat/completions", json={"model": "m"})
        bad_n = c.post("/chat/completions", json={"messages": [{"role": "user", "content": "x"}], "n": 0})
        unknown = c.get("/nowhere")
    assert [r.status_code for r in (bad_json, no_messages, bad_n, unknown)] == [400, 400, 400, 404]
    assert all(isinstance(r.json()["error"]["message"], str) for r in (bad_json, no_messages, bad_n, unknown))


def test_responder_exception_becomes_500():
    def broken(_req):
        raise KeyError("boom")

    with LoopbackServer(broken) as srv, pytest.raises(openai.InternalServerError, match="KeyError"):
        _client(srv).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def _read_response(sock: socket.socket, buf: bytes) -> tuple[bytes, bytes]:
    """One Content-Length-framed response from ``sock``; returns (body, leftover bytes)."""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    headers = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(headers[b"content-length"])
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest[:length], rest[length:]


def test_keep_alive_serves_several_requests_on_one_socket(srv):
    port = int(srv.base_url.rsplit(":", 1)[1].split("/")[0])
    buf = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for word in ("first", "second", "third"):
            body = json.dumps({"messages": [{"role": "user", "content": word}]}).encode()
            sock.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            )
            payload, buf = _read_response(sock, buf)
            assert json.loads(payload)["choices"][0]["message"]["content"] == word
    assert srv.request_count == 3
