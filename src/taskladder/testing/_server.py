"""``LoopbackServer``: a real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It runs its own asyncio loop in a background thread, so a sync test, an async test (any loop)
and a benchmark can all talk to it over real sockets through the real client stack.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import h11

from ._fault_state import FaultSchedule
from ._http import HttpConnection, HttpRequest
from ._records import ReceivedRequest, RequestLog
from ._routes import Reply, error_reply, key_text, route, truncation_payload
from ._tokens import DEFAULT_ENCODING, warm_encoder
from .faults import FaultKind, FaultPlan
from .responders import Responder, echo_responder

log = logging.getLogger(__name__)

Latency = float | Callable[[dict[str, Any]], float]
"""Milliseconds before answering: a constant, or a function of the request body."""

_MALFORMED = b'{"id": "chatcmpl-malformed", "object": "chat.completion", "choices": [{"index": 0, "mess'


class LoopbackServer:
    """An OpenAI-compatible server on ``127.0.0.1`` with scripted answers, latency and faults.

    Endpoints: ``POST /v1/chat/completions`` (``n`` choices; ``stream: true`` answers with SSE
    ``chat.completion.chunk`` events, plus a usage chunk when ``stream_options.include_usage``),
    ``POST /v1/embeddings`` (deterministic pseudo-embeddings, float or base64),
    ``GET /v1/models`` and ``GET /v1/models/{id}``. The ``/v1`` prefix is optional.

    ``usage`` counts tokens with tiktoken (``encoding``) over the message contents; see
    ``prompt_tokens`` / ``count_tokens`` to recompute the figures in a test.

    Latency and faults apply to every request, in arrival order: the request is recorded
    (``requests``), the latency elapses, then the fault (if any) replaces the answer.

    Use as ``with LoopbackServer(...) as srv:`` (or ``async with``); ``srv.base_url`` is
    ``http://127.0.0.1:PORT/v1``. ``responder``, ``latency_ms`` and ``faults`` may be changed
    while it runs.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency_ms: Latency = 0.0,
        faults: FaultPlan | None = None,
        models: Iterable[str] = ("loopback",),
        port: int = 0,
        embedding_dim: int = 64,
        encoding: str = DEFAULT_ENCODING,
        require_auth: bool = False,
    ):
        self.responder: Responder = responder or echo_responder
        self.latency_ms: Latency = latency_ms
        self.models = list(models)
        self.embedding_dim = embedding_dim
        self.encoding = encoding
        self.require_auth = require_auth
        self._requested_port = port
        self._log = RequestLog()
        self._schedule = FaultSchedule(faults or FaultPlan())
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._startup_error: BaseException | None = None
        self.port: int | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: pass it as ``base_url`` / ``api_base`` to a client."""
        if self.port is None:
            raise RuntimeError("LoopbackServer is not running; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LoopbackServer:
        """Bind and serve in a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("LoopbackServer already started")
        ready = threading.Event()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, args=(ready,), name="loopback-server", daemon=True)
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._startup_error
        return self

    def stop(self) -> None:
        """Close the listener and every open connection (held requests included), then join."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = self._loop = None
        self.port = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> LoopbackServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def __repr__(self) -> str:
        state = self.base_url if self.port is not None else "stopped"
        return f"LoopbackServer({state}, requests={self.request_count})"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        try:
            warm_encoder(self.encoding)  # load the BPE now, not on the first (timed) request
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", self._requested_port, backlog=1024)
            )
        except BaseException as exc:  # surfaced by start() in the caller's thread
            self._startup_error = exc
            loop.close()
            ready.set()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    # --- inspection -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        return self._log.snapshot()

    @property
    def request_count(self) -> int:
        return len(self._log)

    @property
    def faults(self) -> FaultPlan:
        return self._schedule.plan

    @faults.setter
    def faults(self, plan: FaultPlan | None) -> None:
        """Swap the fault plan; its counters start from zero."""
        with self._log.lock:
            self._schedule = FaultSchedule(plan or FaultPlan())

    def reset(self) -> None:
        """Forget received requests and restart the fault counters (indexes start at 0 again)."""
        with self._log.lock:
            self._log.clear_locked()
            self._schedule = FaultSchedule(self._schedule.plan)

    # --- serving --------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        http = HttpConnection(reader, writer)
        try:
            while True:
                request = await http.next_request()
                if request is None or not await self._serve(http, request) or not http.start_next_cycle():
                    break
        except h11.RemoteProtocolError as exc:  # garbage or a half-sent request: nothing to answer
            log.debug("loopback: protocol error from client: %s", exc)
        except (ConnectionError, asyncio.CancelledError):
            pass  # the client hung up or the server is stopping: the connection simply ends
        finally:
            self._connections.discard(task)
            http.close()

    async def _serve(self, http: HttpConnection, request: HttpRequest) -> bool:
        """Answer one request; False when the connection must close afterwards."""
        path = request.target.split("?", 1)[0].rstrip("/")
        if "://" in path:  # absolute form: the server is being used as a client's HTTP proxy
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        if path.startswith("/v1"):
            path = path[3:]
        body: Any = None
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
        match_text = key_text(path, body)
        has_auth = "authorization" in request.headers
        with self._log.lock:
            index = self._log.next_index_locked()
            fault = self._schedule.decide(index, match_text, f"{request.method} {path}\n".encode() + request.body)
            plan = self._schedule.plan
            self._log.append_locked(ReceivedRequest(
                index=index, method=request.method, path=request.target, body=body,
                received_at=time.time(), has_authorization=has_auth, fault=fault,
            ))
        delay_ms = self._latency(body)
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        if fault is not None:
            return await self._inject(http, fault, plan, path, body)
        if self.require_auth and not has_auth:
            reply = error_reply(401, "missing Authorization header (require_auth=True)")
        else:
            reply = self.route(request, path, body)
        if reply.chunks is not None:
            events = [b"data: " + json.dumps(c).encode() + b"\n\n" for c in reply.chunks] + [b"data: [DONE]\n\n"]
            await http.respond_stream(reply.status, events, "text/event-stream")
        else:
            await http.respond(reply.status, json.dumps(reply.payload).encode(), headers=reply.headers)
        return True

    def route(self, request: HttpRequest, path: str, body: Any) -> Reply:
        """The answer to one request that no fault replaced (a subclass adds endpoints here)."""
        return route(self, request.method, path, body, request.body)

    def _latency(self, body: Any) -> float:
        latency = self.latency_ms
        if callable(latency):
            return float(latency(body if isinstance(body, dict) else {}))
        return float(latency)

    async def _inject(self, http: HttpConnection, fault: FaultKind, plan: FaultPlan, path: str, body: Any) -> bool:
        if fault == "429":
            retry = plan.retry_after_s
            retry_header = str(int(retry)) if float(retry).is_integer() else str(retry)
            reply = error_reply(429, "Rate limit reached (injected by LoopbackServer)", [("retry-after", retry_header)])
        elif fault == "401":
            reply = error_reply(401, "Incorrect API key provided: sk-loop-wrong-key-0123456789. You can find your "
                                     "API key at https://platform.openai.com/account/api-keys.")
        elif fault == "404":
            model = body.get("model") if isinstance(body, dict) else None
            reply = error_reply(404, f"The model `{model}` does not exist or you do not have access to it.")
        elif fault in ("500", "503"):
            reply = error_reply(int(fault), f"Injected {fault} (LoopbackServer FaultPlan)")
        elif fault == "malformed":
            await http.respond(200, _MALFORMED)
            return True
        elif fault == "truncated":
            await http.send_truncated(json.dumps(truncation_payload(self, path, body)).encode())
            return False
        elif fault == "timeout":
            await http.hold_then_close(plan.timeout_hold_s)
            return False
        else:  # "drop"
            http.close()
            return False
        await http.respond(reply.status, json.dumps(reply.payload).encode(), headers=reply.headers)
        return True
