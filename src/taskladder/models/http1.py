"""A lean HTTP/1.1 client for one JSON endpoint: keep-alive connections, httptools parsing.

Why not aiohttp here: an OpenAI-compatible chat completion is one small POST and one small JSON
answer, and aiohttp's general machinery (request/response objects, tracing, cookie and
redirect handling, timers per phase) cost ~0.36 ms of client CPU per call on these cores,
against ~0.14 ms for this path (``benchmarks/bench_throughput.py``); at hundreds of calls a
second that difference decides the calls per second a run can reach on two cores. What is
left is small enough to own: a pool of asyncio connections to one origin, a request written
as bytes, and the answer parsed by llhttp (``httptools``, the parser uvicorn uses). aiohttp
still serves what this does not: a proxy (``openai_http`` falls back to it).

Errors are plain: ``asyncio.TimeoutError`` past the deadline, ``ConnectionError`` (or an ``OSError``)
when the connection fails, is cut short or answers what is not HTTP; the caller words them.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httptools

DNS_TTL_S = 300.0  # how long a looked-up address is reused (aiohttp's ttl_dns_cache in openai_http)


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection: at most one request in flight, its answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.keep_alive = False  # read when an answer completes: the parser forgets it for the next one
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"not an HTTP answer ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done() and self._ends_at_close():
            self._finish()  # an answer without a length runs to the close (httptools has no finish())
            return
        self._fail(
            ConnectionError("the server closed the connection before answering in full" + (f" ({exc})" if exc else ""))
        )

    # -- httptools callbacks
    def on_message_begin(self) -> None:
        self._headers, self._body = {}, []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._parser.get_status_code() < 200:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        self.keep_alive = self._parser.should_keep_alive()
        self._finish()

    # -- the request
    def send(self, data: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter

    def reusable(self) -> bool:
        return not self.closed and self.keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _ends_at_close(self) -> bool:
        h = self._headers
        return bool(h) and "content-length" not in h and "transfer-encoding" not in h

    def _finish(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        try:
            body = _decoded(b"".join(self._body), self._headers.get("content-encoding", ""))
        except zlib.error as exc:
            waiter.set_exception(
                ConnectionError(f"the answer's {self._headers['content-encoding']} body does not decode ({exc})")
            )
            return
        waiter.set_result(Response(self._parser.get_status_code(), self._headers, body))

    def _fail(self, exc: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


def _decoded(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    raise zlib.error(f"unsupported content-encoding {encoding!r}")


class Endpoint:
    """POSTs to one URL over a pool of keep-alive connections, all on one event loop.

    The pool opens a connection whenever none is idle (the runner's own limit decides how many
    requests are in flight) and keeps at most ``max_idle`` for reuse. ``await close()`` closes them.
    """

    def __init__(self, url: str, headers: dict[str, str], *, max_idle: int = 100):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = self.port == (443 if self._ssl else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {host if default_port else f'{host}:{self.port}'}",
            "Accept-Encoding: gzip, deflate",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._idle: list[_Connection] = []
        self._max_idle = max_idle
        self._address: tuple[Any, float] | None = None  # (sockaddr info, looked up at)
        self._lookup: asyncio.Future[Any] | None = None

    async def post(self, body: bytes, timeout_s: float) -> Response:
        """``body`` POSTed; the answer, whatever its status. Raises ``asyncio.TimeoutError`` past
        ``timeout_s`` (connecting included) and ``ConnectionError``/``OSError`` on a failed connection."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        data = self._head + str(len(body)).encode() + b"\r\n\r\n" + body
        while True:
            conn = self._idle.pop() if self._idle else await self._connect(deadline)
            if conn.closed:
                continue  # the server closed it while it sat idle
            try:
                response = await _until(conn.send(data), deadline, loop)
            except BaseException:
                # Failed, timed out or cancelled: whatever is left on the wire belongs to no one. A POST
                # is not sent again here (aiohttp does not either): the caller's retries decide.
                conn.close()
                raise
            if conn.reusable() and len(self._idle) < self._max_idle:
                self._idle.append(conn)
            else:
                conn.close()
            return response

    async def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()
        await asyncio.sleep(0)  # a transport closes its socket on the next turn: let it, before the loop ends

    async def _connect(self, deadline: float) -> _Connection:
        loop = asyncio.get_running_loop()
        family, address = await _until(self._resolve(loop), deadline, loop)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await _until(loop.sock_connect(sock, address), deadline, loop)
            _, conn = await _until(
                loop.create_connection(
                    _Connection, sock=sock, ssl=self._ssl, server_hostname=self.host if self._ssl else None
                ),
                deadline,
                loop,
            )
        except BaseException:
            sock.close()
            self._address = None  # the address may be what failed: look it up again next time
            raise
        return conn

    async def _resolve(self, loop: asyncio.AbstractEventLoop) -> Any:
        """The server's (family, sockaddr), looked up once per ``DNS_TTL_S`` and shared by every
        connection opened meanwhile (a burst of 512 connects makes one lookup, not 512)."""
        if self._address is not None and time.monotonic() - self._address[1] < DNS_TTL_S:
            return self._address[0]
        if self._lookup is None or self._lookup.get_loop() is not loop:
            self._lookup = asyncio.ensure_future(
                loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
            )
        lookup = self._lookup
        try:
            infos = await asyncio.shield(lookup)
        finally:
            if lookup.done() and self._lookup is lookup:
                self._lookup = None
        if not infos:
            raise OSError(f"no address found for {self.host}")
        family, _, _, _, address = infos[0]
        self._address = ((family, address), time.monotonic())
        return family, address


async def _until(awaitable: Any, deadline: float, loop: asyncio.AbstractEventLoop) -> Any:
    """``awaitable`` if it completes by ``deadline`` (loop time), else ``asyncio.TimeoutError``.

    One timer per wait, cancelled when the wait ends: cheaper than ``wait_for``'s extra task."""
    future = asyncio.ensure_future(awaitable)
    remaining = deadline - loop.time()
    if remaining <= 0 and not future.done():
        future.cancel()
        raise asyncio.TimeoutError("request timed out")
    expired = False

    def expire() -> None:
        nonlocal expired
        if not future.done():
            expired = True
            future.cancel()

    timer = loop.call_later(max(remaining, 0.0), expire)
    try:
        return await future
    except asyncio.CancelledError:
        if expired:
            raise asyncio.TimeoutError("request timed out") from None
        raise
    finally:
        timer.cancel()
