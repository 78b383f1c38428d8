"""Reading a packed split's examples (the eval's hot path: ``PackedExamples.__getitem__`` ->
``PackedTable.example``), with the peers measured in the same run on the same table (issue 20):

- ``offsets in file``: the table as loaded past ``SPILL_BYTES`` (rows, end offsets and id hashes
  in temporary files: a row is two ``pread``s), an ``Example`` built without validating it again;
- ``offsets in memory``: the same table with its end offsets as an in-memory array (what a
  spilled table held before, 8 bytes a row), the same construction;
- ``validated``: offsets in file, each ``Example`` validated by pydantic (what every read did
  before);
- ``unpickle only``: the rows' bytes unpickled, no ``Example`` (the floor);
- ``as before``: the read as it was before (offsets in an in-memory array, a flush of the row
  file under its lock on every read, each ``Example`` validated): the peer the ratios are to.

    python benchmarks/bench_packed_read.py --n 300000

Prints µs per example read in a shuffled order (a split's order), best of ``--repeat``, and
the ratios to ``as before``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import time
from array import array

import numpy as np

from taskladder.task.example import Example
from taskladder.task.packed import PackedTable
from taskladder.task.scratch import Int64Column


def build(n: int) -> PackedTable:
    table = PackedTable(["text"], ["label"])
    for i in range(n):
        table.append(f"e{i}", {"text": f"message number {i} about billing"}, {"label": "pos" if i % 3 else "neg"}, {})
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--reads", type=int, default=100_000, help="examples read per repeat")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    table = build(args.n)
    table.row(0)  # seals it: the offsets go to their file
    assert table._file is not None and table._ends.spilled, "the table must be past SPILL_BYTES"
    in_memory = Int64Column()
    in_memory._tail = array("q", table._ends.values().tobytes())
    order = list(range(args.n))
    random.Random(0).shuffle(order)
    positions = order[: args.reads]
    file_ends = table._ends

    def constructed() -> None:
        for at in positions:
            table.example(at)

    def validated() -> None:
        names = table.input_names, table.output_names
        for at in positions:
            ex_id, ins, outs, extra = table.row(at)
            Example(id=ex_id, inputs=dict(zip(names[0], ins)), outputs=dict(zip(names[1], outs)), extra=extra or {})

    def unpickled() -> None:
        for at in positions:
            start, end = in_memory.bounds(at)
            pickle.loads(table._file.read(start, end - start))  # type: ignore[union-attr]

    def before() -> None:
        rows_file = table._file
        assert rows_file is not None
        lock, fobj, fd = rows_file._lock, rows_file._file, rows_file._fd
        ends = np.frombuffer(in_memory._tail, dtype=np.int64)
        names = table.input_names, table.output_names
        for at in positions:
            start = int(ends[at - 1]) if at else 0
            end = int(ends[at])
            with lock:
                fobj.flush()
            ex_id, ins, outs, extra = pickle.loads(os.pread(fd, end - start, start))
            Example(id=ex_id, inputs=dict(zip(names[0], ins)), outputs=dict(zip(names[1], outs)), extra=extra or {})

    def timed(fn, ends: Int64Column) -> float:
        table._ends = ends
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        table._ends = file_ends
        return best / len(positions) * 1e6

    rows = [
        ("offsets in file, constructed", timed(constructed, file_ends)),
        ("offsets in memory, constructed", timed(constructed, in_memory)),
        ("offsets in file, validated", timed(validated, file_ends)),
        ("unpickle only (in memory)", timed(unpickled, in_memory)),
        ("as before", timed(before, in_memory)),
    ]
    peer = rows[-1][1]
    print(
        f"n = {args.n:,} rows, {len(positions):,} reads in a shuffled order, best of {args.repeat}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for name, us in rows:
        print(f"{name:34} {us:6.2f} µs/example   {us / peer:5.2f}x as before")
    print(
        f"memory the file saves: {np.dtype(np.int64).itemsize * args.n / 2**20:.1f} MB of offsets "
        f"(and as much of id hashes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
