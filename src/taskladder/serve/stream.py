"""A finished chat completion as server-sent events in OpenAI's ``chat.completion.chunk`` format.

The answer is complete (and has passed the guards) before this runs: streaming here is the
wire format clients expect, not token-by-token generation. Chunks: the role, the content,
the finish reason, the usage when ``stream_options.include_usage`` asked for it, then
``data: [DONE]``.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from fastapi.responses import StreamingResponse


def _chunk(payload: dict[str, Any], delta: dict[str, Any], finish: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": payload["id"], "object": "chat.completion.chunk", "created": payload["created"],
        "model": payload["model"],
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }


def sse_events(payload: dict[str, Any], *, include_usage: bool = False) -> Iterator[str]:
    """The ``data: ...`` events for one finished ``chat.completion`` payload."""
    choice = payload["choices"][0]
    guard = {"taskladder_guard": payload["taskladder_guard"]} if "taskladder_guard" in payload else {}
    chunks = [
        _chunk(payload, {"role": "assistant", "content": ""}, None, **guard),
        _chunk(payload, {"content": choice["message"]["content"]}, None),
        _chunk(payload, {}, choice["finish_reason"]),
    ]
    if include_usage:
        usage = {**_chunk(payload, {}, None, usage=payload["usage"]), "choices": []}
        chunks.append(usage)
    for chunk in chunks:
        yield f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n"
    yield "data: [DONE]\n\n"


def sse_response(payload: dict[str, Any], headers: dict[str, str], *, include_usage: bool = False) -> StreamingResponse:
    return StreamingResponse(
        sse_events(payload, include_usage=include_usage), media_type="text/event-stream",
        headers={**headers, "Cache-Control": "no-cache"},
    )
