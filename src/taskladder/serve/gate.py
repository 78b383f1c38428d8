"""Auth, body-size cap and request counting as a plain ASGI middleware.

It runs before routing and body parsing, so an unauthenticated or oversize request costs
almost nothing. The size cap counts the bytes actually received, not the Content-Length
header (which a chunked body does not send, and a client may understate): the body is
read here, up to the cap, and a 413 goes out as soon as one more byte arrives. (A plain ASGI wrapper, not Starlette's ``BaseHTTPMiddleware``, which
spawns an extra task per request — measurable on the requests-per-second benchmark.)
"""

from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable

from .errors import error_response
from .metrics import ServeMetrics

OPEN_PATHS = frozenset({"/healthz"})
ENDPOINTS = frozenset({"/v1/chat/completions", "/v1/models", "/healthz", "/metrics"})

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class Gate:
    def __init__(self, app: ASGIApp, *, state: Any, metrics: ServeMetrics, max_request_bytes: int) -> None:
        self.app = app
        self.state = state  # app.state: the token is read per request, so serve() may set it late
        self.metrics = metrics
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        endpoint = path if path in ENDPOINTS else ("/v1/models" if path.startswith("/v1/models/") else "other")
        status = {"code": 500}

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            rejection = self._reject(scope, path)
            if rejection is None and scope.get("method") in ("POST", "PUT", "PATCH"):
                receive, rejection = await self._read_capped(receive)
            if rejection is not None:
                await rejection(scope, receive, counting_send)
            else:
                await self.app(scope, receive, counting_send)
        finally:
            self.metrics.requests.labels(endpoint, str(status["code"])).inc()

    def _reject(self, scope: Scope, path: str) -> Any:
        headers = dict(scope.get("headers") or [])
        token = getattr(self.state, "api_token", None)
        if token and path not in OPEN_PATHS:
            given = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
                return error_response(401, "missing or invalid bearer token: send 'Authorization: Bearer <token>'",
                                      code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_request_bytes:
            limit = self.max_request_bytes
            return error_response(413, f"request body of {int(length)} bytes exceeds the limit of {limit}",
                                  code="request_too_large")
        return None

    async def _read_capped(self, receive: Any) -> tuple[Any, Any]:
        """(a receive that replays the body, None), or (receive, a 413 response) once the
        bytes read pass the cap; the rest of an oversize body is never read."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                chunks_done = [message]
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_request_bytes:
                return receive, error_response(
                    413, f"request body exceeds the limit of {self.max_request_bytes} bytes",
                    code="request_too_large", headers={"Connection": "close"})
            chunks.append(body)
            if not message.get("more_body", False):
                chunks_done = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
                break
        pending = list(chunks_done)

        async def replay() -> Any:
            if pending:
                return pending.pop(0)
            return await receive()  # after the body: disconnect notices come from the server

        return replay, None
