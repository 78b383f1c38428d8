"""Page render times of `taskladder view` on a large store (the issue's target: <= 300 ms per page
for 100 runs x 10,000 records).

    python benchmarks/bench_view_pages.py [--runs 100] [--records 10000] [--store PATH] [--repeat 5]

Builds the store once (kept at --store, reused when its size matches), then times each page
through the ASGI app in-process (FastAPI TestClient: no network in the figure). The compare
page is shown cold (the two runs' records parsed from SQLite) and warm (a finished run's
records are cached); the rest are median of --repeat.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from taskladder.store import Record, RunInfo, RunSummary, Store
from taskladder.view import create_app

SPEC = {"name": "bench", "inputs": ["text"], "outputs": {"label": {"type": "label", "labels": ["a", "b", "c"]}},
        "data": {"file": "data.csv"}}


def build(store: Store, runs: int, records: int) -> None:
    rng = random.Random(0)
    truth = [rng.choice("abc") for _ in range(records)]
    texts = [" ".join(rng.choice(["alpha", "beta", "gamma", "delta", "eps"]) for _ in range(40)) for _ in range(records)]
    for r in range(runs):
        run_id = f"run-{r:04d}"
        acc = 0.5 + 0.4 * r / runs
        rows = []
        for i in range(records):
            ans = truth[i] if rng.random() < acc else rng.choice("abc")
            rows.append(Record(run_id=run_id, example_id=f"ex{i:05d}", split="dev", inputs={"text": texts[i]},
                               expected={"label": truth[i]}, prediction={"label": ans}, raw_text=ans,
                               score=float(ans == truth[i]), cost_usd=0.0001, latency_ms=300.0))
        store.put_records(rows)
        score = sum(x.score or 0 for x in rows) / records
        store.save_run(RunInfo(run_id=run_id, task="bench", model=f"model-{r}", split="dev", status="finished",
                               created_at=time.time(), task_spec=SPEC, label=f"model-{r} · zero-shot",
                               pipeline={"kind": "llm", "model": f"model-{r}"},
                               summary=RunSummary(n=records, score=score, ci_low=score - 0.01, ci_high=score + 0.01,
                                                  cost_usd=1.0, projected_monthly_usd=30.0, latency_p50_ms=300.0)),
                       run_key=run_id)
        print(f"\rbuilt {r + 1}/{runs} runs", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def timed(client: TestClient, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return took


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--store", type=Path, default=Path("/tmp/taskladder-bench-view.sqlite"))
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    store = Store(args.store)
    have = store.list_runs(limit=args.runs + 1)
    if len(have) != args.runs or len(store.record_ids(have[0].run_id)) != args.records:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.store) + suffix).unlink(missing_ok=True)
        store = Store(args.store)
        build(store, args.runs, args.records)
    client = TestClient(create_app(store, user="bench"), base_url="http://127.0.0.1:8765")
    a, b = "run-0000", f"run-{args.runs - 1:04d}"
    pair = f"runs={a}&runs={b}"
    results = {"compare, cold (2 runs read from SQLite)": timed(client, f"/compare?{pair}")}
    pages = {
        "runs page /": "/",
        "compare (warm)": f"/compare?{pair}",
        "compare, disagreements": f"/compare?{pair}&only=disagree",
        "compare, text search": f"/compare?{pair}&q=alpha+beta+gamma",
        "compare, page 50": f"/compare?{pair}&page=50",
        "example page (2 runs)": f"/examples/bench/ex{args.records // 2:05d}?{pair}",
        "example page (all runs)": f"/examples/bench/ex{args.records // 2:05d}",
        "vote page": f"/vote?{pair}",
        "patches": "/patches",
        "live row": f"/runs/{a}/row",
    }
    for name, url in pages.items():
        results[name] = statistics.median(timed(client, url) for _ in range(args.repeat))
    print(f"{args.runs} runs x {args.records} records ({args.store.stat().st_size / 1e6:.0f} MB store)")
    for name, ms in results.items():
        flag = "" if ms <= 300 else "  > 300 ms"
        print(f"  {name:36s} {ms:8.1f} ms{flag}")


if __name__ == "__main__":
    main()
