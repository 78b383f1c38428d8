"""A minimal HTTP/1.1 server connection on asyncio streams, with h11 doing the protocol.

Why not uvicorn/Starlette: the loopback server must misbehave at the byte level (send headers
that promise more body than it sends, close a connection without answering, hold a request
open and then hang up). An ASGI app cannot express those, so we keep the socket: h11 parses
requests and frames well-formed responses (keep-alive, chunked), and the fault paths write
raw bytes or close the transport themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import NamedTuple

import h11

_READ_SIZE = 65536


class HttpRequest(NamedTuple):
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


class HttpConnection:
    """One client connection: read requests one after another, answer each (keep-alive)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer
        self._conn = h11.Connection(h11.SERVER)

    async def next_request(self) -> HttpRequest | None:
        """The next complete request, or None when the client closed the connection."""
        request: h11.Request | None = None
        parts: list[bytes] = []
        while True:
            event = self._conn.next_event()
            if event is h11.NEED_DATA:
                self._conn.receive_data(await self._reader.read(_READ_SIZE))
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage) and request is not None:
                headers = {k.decode().lower(): v.decode("latin-1") for k, v in request.headers}
                return HttpRequest(request.method.decode(), request.target.decode(), headers, b"".join(parts))
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None

    def _head(self, status: int, content_type: str, length: int | None, extra: Iterable[tuple[str, str]]) -> bytes:
        headers = [("content-type", content_type), *extra]
        if length is not None:
            headers.append(("content-length", str(length)))
        return self._conn.send(h11.Response(status_code=status, headers=headers)) or b""

    async def respond(
        self, status: int, body: bytes, content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """A complete response; the connection stays usable when the client allows keep-alive."""
        data = self._head(status, content_type, len(body), headers)
        data += (self._conn.send(h11.Data(data=body)) or b"") + (self._conn.send(h11.EndOfMessage()) or b"")
        self._writer.write(data)
        await self._writer.drain()

    async def respond_stream(self, status: int, chunks: Iterable[bytes], content_type: str) -> None:
        """A response without Content-Length: h11 frames it with chunked transfer encoding."""
        self._writer.write(self._head(status, content_type, None, [("cache-control", "no-cache")]))
        for chunk in chunks:
            self._writer.write(self._conn.send(h11.Data(data=chunk)) or b"")
        self._writer.write(self._conn.send(h11.EndOfMessage()) or b"")
        await self._writer.drain()

    def start_next_cycle(self) -> bool:
        """Ready the connection for the next request; False when it must close instead."""
        if self._conn.our_state is h11.DONE and self._conn.their_state is h11.DONE:
            self._conn.start_next_cycle()
            return True
        return False

    # --- faults: bytes h11 would refuse to produce -------------------------------------------

    async def send_truncated(self, body: bytes, content_type: str = "application/json") -> None:
        """Headers with the full Content-Length, then only half the body, then hang up."""
        head = self._head(200, content_type, len(body), [])
        self._writer.write(head + body[: len(body) // 2])
        await self._writer.drain()
        self.close()

    async def hold_then_close(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (or until the client gives up and closes), then hang up."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._until_eof(), seconds)
        self.close()

    async def _until_eof(self) -> None:
        while await self._reader.read(_READ_SIZE):
            pass

    def close(self) -> None:
        if not self._writer.is_closing():
            self._writer.close()
