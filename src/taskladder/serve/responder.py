"""The one thing the server needs from a pipeline: a responder.

``async def responder(messages: list[dict], params: dict) -> ResponderResult``. ``messages``
are OpenAI-style ``{"role", "content"}`` dicts (content already flattened to text and
passed through the input guard); ``params`` are the request's sampling parameters
(``temperature``, ``max_tokens``, ``stop``, ``seed``, ``response_format``...). A plain
function also works; it then runs in a worker thread so it cannot stall the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Union


@dataclass(frozen=True)
class ResponderResult:
    text: str
    usage_in: int = 0  # prompt tokens
    usage_out: int = 0  # completion tokens
    cached: bool = False  # served from the call cache


Responder = Callable[[list[dict[str, Any]], dict[str, Any]], Union[Awaitable[ResponderResult], ResponderResult]]
