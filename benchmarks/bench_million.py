"""A million-row table end to end: eval against the fast loopback server, offline baselines,
``runs``, ``report`` and ``export-records``, each timed with its peak memory (issue 20).

Each phase is its own ``taskladder`` process on one store, so its peak RSS (from ``wait4``)
is its own. The eval reports calls/s; a bare aiohttp loop over up to ``--bare-n`` calls on the
same server is the peer (ratio = eval calls/s / bare calls/s). ``--kill-after S`` SIGKILLs the eval
S seconds in and runs it again: the rerun must resume the same run and end with n records.

    python benchmarks/bench_million.py                 # 20,000 rows (a few minutes on 2 cores)
    python benchmarks/bench_million.py --n 1000000 --kill-after 300 --deadline-min 20

Measured 2026-12-06, ``--n 100000`` (2 cores, locked, load 1.3), before the task table was packed:
eval 113.1 s / 280 MB peak RSS (884 calls/s for the whole command; the bare loop 2,504 calls/s:
0.35x), baseline/majority 32.7 s / 274 MB, runs 1.3 s / 58 MB, report 9.3 s / 238 MB,
export-records 7.4 s / 93 MB; store 203 MB (2,133 bytes per row).

Measured 2026-12-07 with the table packed (``task.packed``), ``--bare-n 50000``, 2 cores, locked:

    n        phase              wall s   peak RSS MB   (load at start)
    20,000   eval               17.3     119           (1.60)
             baseline/majority  3.7      105
             runs / export      1.0 / 1.9    58 / 65
             report             4.7      238
    100,000  eval               94.7     131           (1.40)
             baseline/majority  21.6     117
             runs / export      1.1 / 6.8    58 / 93
             report             5.2      238

The eval's peak grows by 12 MB from 20k to 100k rows (~150 bytes a row: the packed rows, the run
tally's columns; it was ~1.6 KB a row as Example objects), the baseline's by 12 MB (it was 274 MB
at 100k). Eval 1,056 calls/s at 100k (bare loop 3,877 calls/s over 50k calls: 0.27x); store
2,133 bytes per row. export-records still sorts the run's ids in memory (~350 bytes a row).

``--n 1000000 --kill-after 300 --deadline-min 20 --bare-n 50000`` (2 cores, locked, load 1.81 at
the start, 1.36 at the end; 20.7 min):

    phase                      wall s   peak RSS MB
    eval, SIGKILLed at 300 s   300.0    332
    eval, rerun: resumed       843.9    332
    runs                         0.9     59
    export-records jsonl        69.3    386

1,000,128 calls (the 128 in flight at the kill were asked again) in 1,143.9 s: 874 calls/s over the
two whole commands (start-ups, two loads of the million-row table and the resume included); the bare
loop 2,468 calls/s over 50,000 calls: 0.35x. After the SIGKILL the run was left ``running``; the
rerun resumed that run, kept its 276,000 records and finished with n = 1,000,000. Store 1,320 MB
(1,384 bytes per row). report and baselines were past the 20 min deadline, so they ran apart:

``--n 1000000 --phases baselines,runs,report`` (2 cores, locked, load 1.83 at the start, 1.07 at the
end; 4.8 min): baseline/majority 269.5 s / 333 MB peak RSS (195 s CPU), runs 0.8 s / 59 MB, report
(over the baseline's million records) 16.9 s / 238 MB, flat from 20k; store 717 MB.

Eval peak RSS 119 / 131 / 332 MB at 20k / 100k / 1M rows (baseline 105 / 117 / 333): not flat, ~220 bytes a row (as Example
objects the table alone was ~1.6 KB a row, ~1.7 GB at 1M by that rate, never run). Of that, by
the arrays' sizes: the packed rows 88 bytes (offsets and id hashes included; measured on this table)
plus 8 for the split's index, the run tally's columns ~50; the rest is held while the table loads
(the file's bytes and text, ~50 MB each at 1M). export-records peaks at 386 MB: it sorts the run's
ids in memory (Store.iter_records_ordered).

Measured 2026-12-07, ``--phases eval,export --bare-n 20000``, 2 cores, locked, the same session
and script before and after making the eval's memory flat (the file read a line at a time, packed
rows past 4 MB in a temporary file, the run tally's floats in a temporary file, repeats found on
sorted hash copies, a split iterated a chunk of positions at a time) and letting SQLite sort
export-records' ids (``store.order``):

    n         phase             before: wall s / peak RSS MB    after: wall s / peak RSS MB
    20,000    eval              35.9 / 120  (load 2.17 *)       19.3 / 118  (load 1.58)
              export-records     5.2 /  65                       1.5 /  62
    100,000   eval             225.4 / 132  (load 3.75 *)      127.2 / 121  (load 3.44 *)
              export-records    20.7 /  92                       5.9 /  63
    300,000   eval             290.2 / 165  (load 1.20)        270.4 / 128  (load 1.19)
              export-records    15.1 / 157                      15.2 /  63

(* load average at the end above 3: other helpers' unlocked jobs were running, so those wall
times are not comparable; peak RSS does not depend on load.) Eval peak RSS at 20k / 100k / 300k:
before 120 / 132 / 165 MB, after 118 / 121 / 128. From 20k to 300k rows: before +45 MB (~160 bytes a row),
after +10 MB (~37 bytes a row; by the arrays' sizes: the packed rows' offsets and id hashes, 16 bytes, the duplicate
log's two hashes a row while loading, 16, and the split's index, 8). export-records is flat
(62 / 63 / 63 MB at 20k / 100k / 300k; it held ~330 bytes a row) at the same speed (15.2 s at 300k). Eval calls/s at 300k:
1,034 before, 1,110 after (the bare loop 3,233 / 4,111 calls/s over 20,000 calls in the same
runs: 0.32x / 0.27x). Not run at 1M (about 20 min a run); at ~37 bytes a row the eval's peak
would be ~150 MB there, by extrapolation only.

Measured 2026-12-07, ``--phases eval,export --bare-n 20000``, 2 cores, locked, the same script in
one session before and after moving a spilled table's row offsets and id hashes and the duplicate
log's hashes into temporary files (``task.scratch.Int64Column``), indexing splits with 4-byte
positions, sorting load's hash copies in place and testing membership by chunked binary search
(``np.isin`` sorted both sides, ~40 bytes a key), and building an ``Example`` without validating
it again (load average at each command's end; * other sessions' unlocked jobs were running, so
wall times are not comparable; peak RSS does not depend on load):

    n         phase             before: wall s / peak RSS MB / CPU s    after: wall s / peak RSS MB / CPU s
    20,000    eval               25.1 / 118 /  20.9  (load 2.08 *)       14.9 / 117 /  13.9  (load 1.52)
              export-records      2.7 /  62                               2.1 /  62
    100,000   eval              132.2 / 121 / 103.4  (load 2.12 *)      137.1 / 119 /  92.4  (load 2.53 *)
              export-records      7.0 /  63                               6.9 /  63
    300,000   eval              333.4 / 129 / 296.8  (load 1.30)        361.1 / 123 / 322.5  (load 1.13)
              export-records     17.8 /  63                              19.1 /  63

Eval peak RSS from 20k to 300k rows: before +11 MB (~39 bytes a row), after +6 MB (~21 bytes a
row). What still grows, by the arrays' sizes: the split's positions (4 bytes a row) and, in the
runner, the positions still to answer (8, int64) and the tally's flags (1), then at the end the
tally's score and latency columns (each 8 bytes a row, built from a list of chunks: 16 for a
moment) and the percentile's copy (8). Loading alone (``load_task`` of the 300k table, in-process,
the high-water mark reset per step, unlocked): 77 MB before, 65 MB after, from 56 MB after
imports. Rerun back to back on 100,000 rows (locked, load 2.5 at both ends: contended): before
128.0 s / 121 MB / 102.1 s CPU, after 134.0 s / 119 MB / 103.2 s CPU: the eval's CPU 1% apart
(the 300k pair is 9% apart, the after run started at load 2.5; not rerun). A packed row read
(``benchmarks/bench_packed_read.py --n 300000 --repeat 5``, locked, load 1.41): 9.28 µs after vs
9.86 µs as before (0.94x: no validation, no flush per read); reading its offsets from the file
instead of memory costs 0.6 µs of it there, 2.2 µs in another run (8.56 vs 6.32 µs, load 1.43).

Measured 2026-12-07 on another, unshared 2-core machine (faster: the bare loop 6,272-6,946 calls/s
here, 2,468 on the first), with resume placing 1,000 stored records at a time (10,000 held ~60 MB:
at 200,000 rows, kill after 45 s, the resumed eval peaked at 147 MB before, 118 MB after).
``--n 1000000 --phases eval,runs --kill-after 150 --bare-n 50000`` (load 1.0 at the start, 1.6 at
the end): the eval SIGKILLed at 150 s / 89 MB peak RSS with 485,000 records stored, the rerun
resumed that run and finished in 183.4 s / 144 MB, n = 1,000,000; 1,000,081 calls (81 in flight at
the kill asked again) in 333.4 s: 3,000 calls/s over both whole commands, the bare loop 6,515 calls/s
(0.46x; at zero latency both are bound by CPU, and the eval's process also stores every call and
record). ``--n 1000000 --kill-after 300 --bare-n 50000`` (load 1.2 at both ends; the kill came after
the last call, while the run was being summarised): eval 300.0 s / 130 MB, resumed 55.5 s / 139 MB
(no call made again), runs 0.6 s / 59 MB, export-records 31.4 s / 64 MB, report 12.7 s / 239 MB,
baseline/majority 154.5 s / 132 MB (was 269.5 s / 333 MB); store 2,038 MB (2,137 bytes a row, as at
100k: linear). Eval peak RSS 118 MB at 200k (resumed; 117-118 MB at 20k in the runs above), 139-144
MB at 1M: ~25 bytes a row more, the rest flat.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_throughput import FastServer  # noqa: E402


def phase(name: str, cmd: list[str], env: dict[str, str], cwd: Path, kill_after: float | None = None) -> dict:
    """Run one command to its end (or SIGKILL it ``kill_after`` seconds in) and measure it."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err_file:  # a file, not a pipe: a chatty child never blocks on it
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err_file)
        if kill_after is not None:
            try:
                proc.wait(kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)  # a hard kill: no handler runs, nothing is flushed
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err_file.seek(0)
        err = err_file.read().decode(errors="replace")[-2000:]
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and not (kill_after is not None and code == -signal.SIGKILL):
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
    ap.add_argument("--phases", default="eval,baselines,runs,report,export", help="comma-separated phases to run")
    ap.add_argument(
        "--kill-after",
        type=float,
        default=None,
        help="SIGKILL the eval this many seconds in, then run it again: it must resume and end with n records",
    )
    ap.add_argument(
        "--deadline-min", type=float, default=None, help="skip the phases that would start after this many minutes"
    )
    ap.add_argument("--bare-n", type=int, default=100_000, help="calls of the bare aiohttp peer (at most n)")
    args = ap.parse_args()
    n = args.n
    phases = set(args.phases.split(","))
    began = time.perf_counter()

    def wanted(name: str) -> bool:
        late = args.deadline_min is not None and time.perf_counter() - began > args.deadline_min * 60
        if name in phases and late:
            print(f"skipped {name}: past the {args.deadline_min} min deadline", flush=True)
        return name in phases and not late

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
        eval_cmd = [*tl, "eval", "task.yaml", "--model", "loop", "--models", "models.yaml", "-q"]
        bare: dict = {}
        resume: dict = {}
        calls = 0
        if wanted("eval"):
            if args.kill_after is not None:
                rows.append(phase("eval (SIGKILLed)", eval_cmd, env, home, kill_after=args.kill_after))
                killed_at = _loop_run(env)
                rows.append(phase("eval (resumed)", eval_cmd, env, home))
                resumed = _loop_run(env)
                resume = {
                    "same_run": resumed["run_id"] == killed_at["run_id"],
                    "status_after_kill": killed_at["status"],
                    "status": resumed["status"],
                    "n": resumed["summary"]["n"],
                    "resumed_records": resumed["summary"].get("resumed_records"),
                }
            else:
                rows.append(phase("eval (hosted, loopback)", eval_cmd, env, home))
            calls = int(server.stats()["requests"])
            bare = bare_in_child(server.url, min(n, args.bare_n), args.concurrency)
        if "eval" not in phases:  # the baseline's run is the one the other phases read
            baseline_phases(args.baselines, wanted, rows, tl, env, home)
        # Cheapest first, so a --deadline-min cuts the costliest phase, not the quick ones.
        if wanted("runs"):
            rows.append(phase("runs", [*tl, "runs"], env, home))
        if wanted("export"):
            rows.append(
                phase(
                    "export-records jsonl",
                    [
                        *tl,
                        "export-records",
                        _loop_run(env, "loop" if "eval" in phases else None)["run_id"],
                        "-o",
                        "r.jsonl",
                    ],
                    env,
                    home,
                )
            )
        if wanted("report"):
            rows.append(phase("report", [*tl, "report", "--task", "million", "-o", "report.html"], env, home))
        if "eval" in phases:
            baseline_phases(args.baselines, wanted, rows, tl, env, home)
        store_mb = sum(p.stat().st_size for p in (home / "home").glob("taskladder.sqlite*")) / 2**20
    print(
        f"n = {n:,} rows, concurrency {args.concurrency}, server latency {args.latency_ms} ms, load {os.getloadavg()}"
    )
    print(f"{'phase':28} {'wall s':>9} {'peak RSS MB':>12} {'CPU s':>8}")
    for r in rows:
        print(f"{r['phase']:28} {r['wall_s']:9.1f} {r['peak_rss_mb']:12.0f} {r['cpu_s']:8.1f}")
    eval_rows = [r for r in rows if r["phase"].startswith("eval (")]
    if eval_rows:
        wall = sum(r["wall_s"] for r in eval_rows)
        bare_rate = bare["calls"] / bare["wall"] if bare.get("wall") else float("nan")
        print(
            f"eval: {calls:,} calls in {wall:.1f} s, {calls / wall:.0f} calls/s (whole command{'s' if len(eval_rows) > 1 else ''}, "
            f"start-up included); bare aiohttp loop over {bare['calls']:,} calls: {bare_rate:.0f} calls/s; "
            f"ratio {calls / wall / bare_rate:.2f}x"
        )
    if resume:
        print(
            f"kill + resume: status after the kill {resume['status_after_kill']}, same run resumed {resume['same_run']}, "
            f"final status {resume['status']}, n = {resume['n']:,} (expected {n:,}: "
            f"{'OK' if resume['n'] == n and resume['status'] == 'finished' else 'MISMATCH'}), "
            f"{resume['resumed_records']:,} records kept from before the kill"
        )
    print(f"store: {store_mb:.0f} MB ({store_mb * 2**20 / n:.0f} bytes per row)")
    return 0


def baseline_phases(baselines: str, wanted, rows: list[dict], tl: list[str], env: dict[str, str], home: Path) -> None:
    for b in baselines.split(","):
        if wanted("baselines"):
            rows.append(
                phase(f"eval baseline/{b}", [*tl, "eval", "task.yaml", "--model", f"baseline/{b}", "-q"], env, home)
            )


def _loop_run(env: dict[str, str], model: str | None = "loop") -> dict:
    """The newest run of the hosted model (``model=None``: of any), as ``taskladder runs --json`` shows it."""
    out = subprocess.run(
        [sys.executable, "-m", "taskladder", "runs", "--json", "--limit", "50"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [r for r in json.loads(out)["runs"] if r["model"] == "loop" or model is None][0]


if __name__ == "__main__":
    raise SystemExit(main())
