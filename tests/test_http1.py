"""models.http1: the lean keep-alive HTTP/1.1 client the direct OpenAI-compatible path posts with.

A tiny asyncio server answers each request with the exact bytes a test gives it, so every
framing a real server may use (Content-Length, chunked, read-to-close, gzip, interim 100,
Connection: close) and every way a connection can fail is driven over real sockets.
"""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest

from taskladder.models.http1 import Endpoint


class RawServer:
    """Answers the n-th request with ``answers[n]`` (bytes, or None: close without answering), then
    closes the connection after the answers numbered in ``close_after`` and any read-to-close one."""

    def __init__(self, answers: list[bytes | None], hold_s: float = 0.0, close_after: frozenset[int] = frozenset()):
        self.answers = answers
        self.close_after = close_after
        self.hold_s = hold_s
        self.requests: list[bytes] = []
        self.connections = 0

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1/chat/completions"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers[len(self.requests) - 1]
                if self.hold_s:
                    await asyncio.sleep(self.hold_s)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                framed = b"content-length" in answer.lower() or b"chunked" in answer.lower()
                if len(self.requests) - 1 in self.close_after or b"connection: close" in answer.lower() or not framed:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


ANSWER = json.dumps({"choices": [{"message": {"content": "pos"}}]}).encode()


async def test_keep_alive_sends_every_request_on_one_connection():
    async with RawServer([ok(ANSWER)] * 5) as srv:
        endpoint = Endpoint(srv.url, {"Authorization": "Bearer sk-x", "Content-Type": "application/json"})
        answers = [await endpoint.post(b'{"n": %d}' % i, 5) for i in range(5)]
        await endpoint.close()
    assert [a.body for a in answers] == [ANSWER] * 5 and {a.status for a in answers} == {200}
    assert srv.connections == 1  # reused, not one connection per call
    first = srv.requests[0]
    assert first.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in first and b"\r\nAuthorization: Bearer sk-x\r\n" in first
    assert first.endswith(b'\r\nContent-Length: 8\r\n\r\n{"n": 0}')


async def test_concurrent_requests_each_get_their_own_connection_and_answer():
    async with RawServer([ok(b'{"i": %d}' % i) for i in range(8)], hold_s=0.05) as srv:
        endpoint = Endpoint(srv.url, {})
        answers = await asyncio.gather(*(endpoint.post(b"{}", 5) for _ in range(8)))
        await endpoint.close()
    assert sorted(json.loads(a.body)["i"] for a in answers) == list(range(8))
    assert srv.connections == 8


@pytest.mark.parametrize(
    "answer, body",
    [
        (
            b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n',
            b'{"a": 1}',
        ),
        (b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"to": "the close"}', b'{"to": "the close"}'),
        (ok(gzip.compress(ANSWER), "Content-Encoding: gzip"), ANSWER),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(ANSWER), ANSWER),
    ],
)
async def test_every_framing_a_server_may_use_reads_the_same_body(answer, body):
    async with RawServer([answer, ok(ANSWER)]) as srv:
        endpoint = Endpoint(srv.url, {})
        first = await endpoint.post(b"{}", 5)
        second = await endpoint.post(b"{}", 5)  # after a close-delimited answer: a fresh connection
        await endpoint.close()
    assert (first.status, first.body, second.body) == (200, body, ANSWER)


async def test_status_and_headers_of_an_error_reach_the_caller():
    answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: 2\r\n\r\n{}"
    async with RawServer([answer]) as srv:
        endpoint = Endpoint(srv.url, {})
        got = await endpoint.post(b"{}", 5)
        await endpoint.close()
    assert got.status == 429 and got.headers["retry-after"] == "2" and got.body == b"{}"


async def test_a_dropped_or_cut_answer_is_a_connection_error_and_the_next_call_reconnects():
    cut = b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"short'
    async with RawServer([None, cut, ok(ANSWER)], close_after=frozenset({1})) as srv:
        endpoint = Endpoint(srv.url, {})
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await endpoint.post(b"{}", 5)
        assert (await endpoint.post(b"{}", 5)).body == ANSWER
        await endpoint.close()
    assert srv.connections == 3


async def test_garbage_instead_of_http_is_a_connection_error():
    async with RawServer([b"SMTP ready\r\n\r\n"]) as srv:
        endpoint = Endpoint(srv.url, {})
        with pytest.raises(ConnectionError, match="not an HTTP answer"):
            await endpoint.post(b"{}", 5)
        await endpoint.close()


async def test_past_the_deadline_is_a_timeout_and_the_connection_is_not_reused():
    async with RawServer([ok(ANSWER), ok(ANSWER)], hold_s=0.5) as srv:
        endpoint = Endpoint(srv.url, {})
        with pytest.raises(asyncio.TimeoutError):
            await endpoint.post(b"{}", 0.1)
        srv.hold_s = 0.0
        assert (await endpoint.post(b"{}", 5)).body == ANSWER  # a fresh connection: the late answer is not read
        await endpoint.close()
    assert srv.connections == 2


async def test_a_refused_connection_raises_at_once():
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    endpoint = Endpoint(f"http://127.0.0.1:{port}/v1", {})
    with pytest.raises(ConnectionError):
        await endpoint.post(b"{}", 5)


def test_only_http_urls_are_accepted():
    with pytest.raises(ValueError, match="not an http"):
        Endpoint("ftp://example.com/v1", {})
