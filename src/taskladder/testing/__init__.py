"""Test doubles that speak real protocols, shipped in the library for tests, benchmarks and users.

``LoopbackServer`` is an OpenAI-compatible HTTP server on 127.0.0.1: scripted answers, real
``usage`` token counts, configurable latency, and faults (429 with Retry-After, 500/503,
timeouts, truncated and malformed bodies, dropped connections) injected by a ``FaultPlan``.
Drive it through the real client stack (LiteLLM, the ``openai`` SDK, httpx)::

    from taskladder.testing import FaultPlan, LoopbackServer, mapping_responder

    with LoopbackServer(mapping_responder({"refund": "refund_request"}, default="other"),
                        latency_ms=50, faults=FaultPlan(by_index={0: "429"})) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="x")

Run one in the foreground with ``python -m taskladder.testing.loopback --port 8765``, or in a
child process from Python with ``LoopbackProcess`` (no GIL shared with the client: benchmarks).
"""

from __future__ import annotations

from ._finetune_server import FineTuningServer
from ._process import LoopbackProcess
from ._records import ReceivedRequest
from ._server import Latency, LoopbackServer
from ._tokens import count_tokens, prompt_tokens
from .faults import FAULT_KINDS, FailFirst, FaultKind, FaultPlan
from .responders import Responder, Scored, echo_responder, last_user_text, mapping_responder

__all__ = [
    "FAULT_KINDS",
    "FailFirst",
    "FaultKind",
    "FaultPlan",
    "FineTuningServer",
    "Latency",
    "LoopbackProcess",
    "LoopbackServer",
    "ReceivedRequest",
    "Responder",
    "Scored",
    "count_tokens",
    "echo_responder",
    "last_user_text",
    "mapping_responder",
    "prompt_tokens",
]
