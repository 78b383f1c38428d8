"""A million-row table end to end: eval against the fast loopback server, offline baselines,
``runs``, ``report`` and ``export-records``, each timed with its peak memory (issue 20).

Each phase is its own ``taskladder`` process on one store, so its peak RSS (from ``wait4``)
is its own. The eval reports calls/s; a bare aiohttp loop over the same number of calls on
the same server is the peer (ratio = bare time / eval time).

    python benchmarks/bench_million.py                 # 20,000 rows (a few minutes on 2 cores)
    python benchmarks/bench_million.py --n 1000000     # the real run

Measured 2026-12-06, ``--n 100000`` (2 cores, locked, load 1.3): eval 113.1 s / 280 MB peak RSS
(884 calls/s for the whole command; the bare loop 2,504 calls/s: 0.35x), baseline/majority 32.7 s /
274 MB, runs 1.3 s / 58 MB, report 9.3 s / 238 MB, export-records 7.4 s / 93 MB; store 203 MB
(2,133 bytes per row). Not run at 1M. The eval's and baseline's peaks still grow with n: the task
table is held as Example objects (~1 KB each).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_throughput import FastServer  # noqa: E402


def phase(name: str, cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{name} exited {code}: {err}")
    return {
        "phase": name,
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def bare_in_child(url: str, n: int, concurrency: int) -> dict:
    """The bare aiohttp loop in a process of its own. Run here, its payloads grew this process by
    ~250 MB at 100,000 calls, and a child's peak RSS (``wait4``) starts at its parent's at fork:
    every later phase read as at least this process's size."""
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "bench_throughput.py"),
            "--one",
            "bare",
            "--url",
            url,
            "--n",
            str(n),
            "--concurrency",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def write_table(folder: Path, n: int) -> None:
    with (folder / "data.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        for i in range(n + n // 100 + 10):  # ~1% to train, so the baselines have something to fit
            w.writerow(
                [f"e{i}", f"message number {i} about {'billing' if i % 3 else 'shipping'}", "pos" if i % 3 else "neg"]
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="rows in the dev split (default 20,000)")
    ap.add_argument("--concurrency", type=int, default=128)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--baselines", default="majority", help="comma-separated offline baselines")
    args = ap.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp, FastServer(args.latency_ms) as server:
        home = Path(tmp)
        write_table(home, n)
        total = n + n // 100 + 10
        (home / "task.yaml").write_text(
            "name: million\ninputs: [text]\noutputs: {label: label}\n"
            f"data: {{train: data.csv, id_column: id, split: {{dev: {n / total}, test: 0, seed: 0}}}}\n"
        )
        (home / "models.yaml").write_text(
            f"models:\n- name: loop\n  model: openai/loopback\n  api_base: {server.url}\n"
            f"  concurrency: {args.concurrency}\n  price: {{input_per_mtok: 0.1, output_per_mtok: 0.4}}\n"
        )
        env = {**os.environ, "TASKLADDER_HOME": str(home / "home")}
        tl = [sys.executable, "-m", "taskladder"]
        rows = []
        server.reset()
        rows.append(
            phase(
                "eval (hosted, loopback)",
                [*tl, "eval", "task.yaml", "--model", "loop", "--models", "models.yaml", "-q"],
                env,
                home,
            )
        )
        calls = int(server.stats()["requests"])
        rows[-1]["calls_per_s"] = calls / rows[-1]["wall_s"]
        bare = bare_in_child(server.url, min(n, 200_000), args.concurrency)
        for b in args.baselines.split(","):
            rows.append(
                phase(f"eval baseline/{b}", [*tl, "eval", "task.yaml", "--model", f"baseline/{b}", "-q"], env, home)
            )
        rows.append(phase("runs", [*tl, "runs"], env, home))
        rows.append(phase("report", [*tl, "report", "--task", "million", "-o", "report.html"], env, home))
        rows.append(
            phase("export-records jsonl", [*tl, "export-records", _latest_run(env), "-o", "r.jsonl"], env, home)
        )
        store_mb = sum(p.stat().st_size for p in (home / "home").glob("taskladder.sqlite*")) / 2**20
    print(
        f"n = {n:,} rows, concurrency {args.concurrency}, server latency {args.latency_ms} ms, load {os.getloadavg()}"
    )
    print(f"{'phase':28} {'wall s':>9} {'peak RSS MB':>12} {'CPU s':>8}")
    for r in rows:
        print(f"{r['phase']:28} {r['wall_s']:9.1f} {r['peak_rss_mb']:12.0f} {r['cpu_s']:8.1f}")
    eval_row = rows[0]
    bare_rate = bare["calls"] / bare["wall"] if bare.get("wall") else float("nan")
    print(
        f"eval: {calls:,} calls, {eval_row['calls_per_s']:.0f} calls/s (whole command, start-up included); "
        f"bare aiohttp loop over {bare['calls']:,} calls: {bare_rate:.0f} calls/s; "
        f"ratio {eval_row['calls_per_s'] / bare_rate:.2f}x"
    )
    print(f"store: {store_mb:.0f} MB ({store_mb * 2**20 / n:.0f} bytes per row)")
    return 0


def _latest_run(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "taskladder", "runs", "--json", "--limit", "50"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    runs = [r for r in json.loads(out)["runs"] if r["model"] == "loop"]
    return runs[0]["run_id"]


if __name__ == "__main__":
    raise SystemExit(main())
