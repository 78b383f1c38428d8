"""A fast OpenAI-compatible chat-completions server (aiohttp.web) for throughput benchmarks.

taskladder.testing's LoopbackServer counts usage with tiktoken and parses with h11 in pure
Python: fine for tests, but at hundreds of requests/s it can become the bottleneck. This one
does the least a server must (read JSON, wait the latency, answer with a fixed label and
cheap usage figures) and counts the most requests it ever held at once (GET /stats), so a
benchmark can show that the client reached the concurrency it asked for.

    python benchmarks/_fast_server.py --latency-ms 100   # prints its base URL, then serves
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from aiohttp import web

_state: dict[str, float] = {"inflight": 0, "max_inflight": 0, "requests": 0, "first_at": 0.0, "last_at": 0.0,
                            "cpu_s": 0.0}
_cpu_at_reset = [time.process_time()]


async def chat(request: web.Request) -> web.Response:
    body = await request.json()
    _state["requests"] += 1
    _state["first_at"] = _state["first_at"] or time.time()
    _state["inflight"] += 1
    _state["max_inflight"] = max(_state["max_inflight"], _state["inflight"])
    try:
        latency = request.app["latency_s"]
        if latency:
            await asyncio.sleep(latency)
    finally:
        _state["inflight"] -= 1
        _state["last_at"] = time.time()
    chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    text = request.app["answer"]
    if any("[[ ## " in str(m.get("content", "")) for m in body.get("messages", [])):
        text = f"[[ ## label ## ]]\n{text}\n\n[[ ## completed ## ]]"  # DSPy's ChatAdapter fields
    payload = {
        "id": "chatcmpl-fast", "object": "chat.completion", "created": 0, "model": body.get("model", "loopback"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": chars // 4 + 1, "completion_tokens": 1, "total_tokens": chars // 4 + 2},
    }
    return web.Response(body=json.dumps(payload).encode(), content_type="application/json")


async def stats(request: web.Request) -> web.Response:
    # The server's own CPU since the last reset: near a full core would make it the bottleneck.
    _state["cpu_s"] = time.process_time() - _cpu_at_reset[0]
    return web.json_response(dict(_state))


async def reset(request: web.Request) -> web.Response:
    _state.update(inflight=0, max_inflight=0, requests=0, first_at=0.0, last_at=0.0, cpu_s=0.0)
    _cpu_at_reset[0] = time.process_time()
    return web.json_response(dict(_state))


async def serve(port: int, latency_ms: float, answer: str) -> None:
    app = web.Application()
    app["latency_s"] = latency_ms / 1000
    app["answer"] = answer
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{bound}/v1", flush=True)
    await asyncio.Event().wait()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--answer", default="pos")
    args = ap.parse_args()
    try:
        import uvloop  # noqa: F401  (faster loop when present; the server must not be the bottleneck)

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.port, args.latency_ms, args.answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
