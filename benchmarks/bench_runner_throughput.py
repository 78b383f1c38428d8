"""Runner throughput against the loopback server, as a ratio to a bare AsyncOpenAI client.

Both sides send the same number of chat completions to the same loopback
OpenAI-compatible server (fixed latency, default 100 ms) at the same concurrency (32):
- peer: ``openai.AsyncOpenAI`` + ``asyncio.Semaphore(32)``, nothing else, sending the
  same rendered messages;
- taskladder: ``evaluate()`` end to end (prompt rendering, the provider path, cache
  writes, parsing, scoring, records) on a fresh store, so every call is a real call.
Target: taskladder / peer >= 0.8.

    python benchmarks/bench_runner_throughput.py [--n 2000] [--latency-ms 100] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def rendered_messages(n: int) -> list[list[dict[str, str]]]:
    """The exact messages taskladder sends, so both sides carry the same payloads."""
    from taskladder.prompt import render_messages
    from taskladder.task import Example, TaskSpec

    spec = TaskSpec.model_validate({"name": "bench", "inputs": ["text"], "outputs": {"label": "label"},
                                    "data": {"file": "-"}})
    return [render_messages(spec, Example(id=str(i), inputs={"text": f"peer message {i}"}), [],
                            labels={"label": ["neg", "pos"]}) for i in range(n)]


async def bare_openai(base_url: str, n: int, concurrency: int) -> float:
    import openai

    payloads = rendered_messages(n)

    client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await client.chat.completions.create(
                model="loopback", messages=payloads[i], temperature=0)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - start
    await client.close()
    return n / elapsed


def taskladder_eval(base_url: str, n: int, concurrency: int, home: Path) -> float:
    os.environ["TASKLADDER_HOME"] = str(home)
    from taskladder.models.config import ModelConfig
    from taskladder.runner import evaluate
    from taskladder.store import Store
    from taskladder.task import load_task

    data = home / "data.csv"
    with data.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        for i in range(n + 10):
            w.writerow([f"e{i}", f"taskladder message {i}", "pos" if i % 2 else "neg"])
    (home / "task.yaml").write_text(
        "name: bench\ninputs: [text]\noutputs: {label: label}\n"
        f"data: {{train: data.csv, id_column: id, split: {{dev: {n / (n + 10)}, test: 0, seed: 0}}}}\n"
    )
    task = load_task(home / "task.yaml")
    cfg = ModelConfig(name="loop", model="openai/loopback", api_base=base_url, concurrency=concurrency,
                      price={"input_per_mtok": 0.1, "output_per_mtok": 0.4})
    store = Store(home / "bench.sqlite")
    start = time.perf_counter()
    result = evaluate(task, "loop", split="dev", models={"loop": cfg}, store=store, progress=False)
    elapsed = time.perf_counter() - start
    assert result.summary["calls"] == len(task.dev), result.summary
    return len(task.dev) / elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--in-process", action="store_true", help="run the server in a thread of this process")
    args = ap.parse_args()
    from taskladder.testing import LoopbackProcess, LoopbackServer, mapping_responder

    # By default the server runs in its own process, as a real one would: in this process
    # it would compete with the client under test for the interpreter lock.
    server = (LoopbackServer(mapping_responder({}, default="pos"), latency_ms=args.latency_ms) if args.in_process
              else LoopbackProcess(latency_ms=args.latency_ms))
    with server as srv:
        # Warm both paths (imports, connection pools) before timing.
        asyncio.run(bare_openai(srv.base_url, 64, args.concurrency))
        with tempfile.TemporaryDirectory() as tmp:
            taskladder_eval(srv.base_url, 64, args.concurrency, Path(tmp))
        peer = asyncio.run(bare_openai(srv.base_url, args.n, args.concurrency))
        with tempfile.TemporaryDirectory() as tmp:
            ours = taskladder_eval(srv.base_url, args.n, args.concurrency, Path(tmp))
    ideal = args.concurrency / (args.latency_ms / 1000)
    ratio = ours / peer
    where = "in this process" if args.in_process else "in its own process"
    print(f"requests: {args.n}, latency {args.latency_ms:.0f} ms, concurrency {args.concurrency} "
          f"(ideal {ideal:.0f} req/s), loopback server {where}")
    print(f"bare openai.AsyncOpenAI + Semaphore : {peer:8.1f} req/s")
    print(f"taskladder evaluate() end to end   : {ours:8.1f} req/s")
    print(f"ratio taskladder/peer              : {ratio:8.2f}  (target >= 0.80: {'met' if ratio >= 0.8 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
