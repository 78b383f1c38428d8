"""Serving benchmark: requests per second through the HTTP server vs. in-process calls.

    python benchmarks/bench_serve.py [--requests 2000] [--concurrency 8]

The responder is scripted (an instant echo), so the figures measure what the server adds:
HTTP parsing, validation, the guards, JSON encoding and metrics. The server runs in a
subprocess (its own interpreter, as in production) on 127.0.0.1; the load generator is an
``httpx.AsyncClient`` with keep-alive connections. The peer is the same responder awaited
in-process, with and without the guard checks the server runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time

import httpx

from taskladder.guard import Guard

SERVER = textwrap.dedent("""
    import sys
    from taskladder.guard import Guard
    from taskladder.serve import ResponderResult, create_app, serve

    async def echo(messages, params):
        text = messages[-1]["content"]
        return ResponderResult("echo: " + text, len(text.split()), 3)

    guard = Guard() if sys.argv[2] == "guard" else None
    app = create_app(echo, guard=guard, model_name="bench", max_concurrency=64)
    serve(app, "127.0.0.1", int(sys.argv[1]), log_level="error")
""")

QUESTION = "My card payment was declined at the shop this morning, what should I do?"


async def echo(messages, params):
    text = messages[-1]["content"]
    from taskladder.serve import ResponderResult

    return ResponderResult("echo: " + text, len(text.split()), 3)


async def in_process(n: int, guard: Guard | None) -> float:
    messages = [{"role": "user", "content": QUESTION}]
    start = time.perf_counter()
    for _ in range(n):
        msgs = messages
        if guard is not None:
            msgs = guard.check_messages(messages).messages or messages
        result = await echo(msgs, {})
        if guard is not None:
            guard.check_output(result.text)
    return n / (time.perf_counter() - start)


async def over_http(base: str, n: int, concurrency: int) -> tuple[float, list[float]]:
    body = {"model": "bench", "messages": [{"role": "user", "content": QUESTION}]}
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for _ in range(20):  # warm-up
            (await client.post("/v1/chat/completions", json=body)).raise_for_status()
        queue = list(range(n))

        async def worker() -> None:
            while queue:
                queue.pop()
                t = time.perf_counter()
                r = await client.post("/v1/chat/completions", json=body)
                r.raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - start), latencies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_served(mode: str, n: int, concurrency: int) -> tuple[float, list[float]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), mode])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.1)
        return asyncio.run(over_http(base, n, concurrency))
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    n, c = args.requests, args.concurrency
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores;"
          f" {n} requests, {c} concurrent clients, scripted echo responder")
    plain = asyncio.run(in_process(n * 10, None))
    guarded = asyncio.run(in_process(n * 2, Guard()))
    print(f"  in-process responder             {plain:12,.0f} calls/s")
    print(f"  in-process responder + guards    {guarded:12,.0f} calls/s")
    # Two rounds, alternating, because the machine is shared: a lone run can catch a burst.
    for mode in ("none", "guard", "none", "guard"):
        rps, lat = run_served(mode, n, c)
        lat.sort()
        print(f"  HTTP server, guard={mode:5s}         {rps:12,.0f} req/s   latency p50 {statistics.median(lat):.1f} ms,"
              f" p95 {lat[int(0.95 * len(lat))]:.1f} ms")
        peer = guarded if mode == "guard" else plain
        print(f"    served / in-process = {rps / peer:.4f} ({peer / rps:,.0f}x slower over HTTP)")


if __name__ == "__main__":
    main()
