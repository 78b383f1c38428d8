"""Timing helpers shared by the latency benchmarks (run as scripts: `python benchmarks/X.py`)."""

from __future__ import annotations

import statistics
import time

import numpy as np


def timed(fn):
    """(result, seconds) of one call."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def latencies(fns: dict, items) -> dict[str, list[float]]:
    """ms per call of each function, interleaved item by item: the machine is shared, and
    alternating makes ours and the peer's see the same load."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn(items[0])  # warm-up
    for item in items:
        for name, fn in fns.items():
            start = time.perf_counter()
            fn(item)
            out[name].append((time.perf_counter() - start) * 1000)
    return out


def batched_ms(fn, items, repeats: int = 3) -> list[float]:
    """Amortised ms per item of one batched call over all items."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(items)
        out.append((time.perf_counter() - start) * 1000 / len(items))
    return out


def target_row(name: str, ms: list[float], target_ms: float, peer: list[float] | None = None) -> None:
    """One line: median, p95 and mean, whether the median meets the target, and the ratio to a peer."""
    med = statistics.median(ms)
    p95 = float(np.percentile(ms, 95))
    verdict = "MEETS" if med <= target_ms else "MISSES"
    line = (f"  {name:<36} median {med:7.2f} ms  p95 {p95:7.2f} ms  mean {statistics.fmean(ms):7.2f} ms   "
            f"{verdict} target {target_ms:.0f} ms (x{med / target_ms:.2f})")
    if peer:
        line += f"; vs peer x{med / statistics.median(peer):.2f}"
    print(line)
