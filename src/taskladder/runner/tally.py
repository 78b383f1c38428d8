"""A run's summary and health, tallied record by record instead of from a whole-run list.

The kernel used to keep every ``Record`` of a run in a list until the end and then derive
the summary from it: at a million examples that list alone was gigabytes. ``RunTally``
keeps what the summary needs and nothing else: integer counters, a flag per example, and
five floats per example for the figures that need every value (the scores for the bootstrap
interval, the latencies for exact percentiles, the costs so their sums add up in the same
order as before, the retrieval recalls). Each is written at the example's position in the
plan, so the values come out in example order whatever order the answers arrived in, and the
summary is the one ``summarise`` and ``assess`` give for the same records, to the last bit (a
test compares both).

The floats live in a temporary file (``task.scratch``), not in this process's memory (40 bytes
an example: 40 MB at a million). They are written ``_BUFFERED`` records at a time, positions
that follow one another in one ``pwrite`` (a ``pwrite`` a record was a few percent of a run's
CPU at thousands of calls a second). The summary reads them back a column at a time; only the scores and the latencies are ever whole in memory, at the
end, one after the other; the sums are added up chunk by chunk, in the same order.

A metric that is not a mean of per-example scores (macro-F1) needs every prediction; the
tally says so (``needs_records``) and the kernel reads the records back from the store for it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

from ..metrics import Metric, bootstrap_mean_ci
from ..models.base import total_cost
from ..store.records import Record, RunSummary
from ..task.scratch import ScratchFile
from .health import RunHealth, is_failure, verdict
from .summary import _mean, _num

_ROW = struct.Struct("<5d")  # one example's floats, at position x _ROW.size in the file
_SCORE, _LATENCY, _COST, _SPENT, _RECALL = range(5)
_CHUNK = 1 << 16  # examples read back at a time (2.5 MB)
_BUFFERED = 1024  # records whose floats are held (40 KB) before they are written out together


class RunTally:
    """Counters and per-position columns of one run's records (``add`` each once, by position)."""

    def __init__(self, size: int, metric: Metric | None, calls_per_day: float):
        self.metric = metric
        self.calls_per_day = calls_per_day
        self.filled = np.zeros(size, dtype=bool)
        self._floats = ScratchFile(prefix="taskladder-tally-")
        self._unwritten: list[tuple[int, bytes]] = []  # (position, floats) not in the file yet
        self.n = self.parse_failures = self.errors = self.errored = self.recalls = 0
        self.calls = self.cached_calls = self.input_tokens = self.output_tokens = self.shots = 0
        self.cost_unknown = self.score_missing = 0
        self.first_error: tuple[int, str | None] | None = None  # (position, text) of the first errored example

    def add(self, position: int, r: Record) -> None:
        if self.filled[position]:
            raise ValueError(f"example {r.example_id} was tallied twice")
        self.filled[position] = True
        self.n += 1
        self.score_missing += r.score is None
        self.cost_unknown += r.cost_usd is None
        recall = r.trace.get("retrieval_recall")
        self.recalls += recall is not None
        floats = _ROW.pack(
            np.nan if r.score is None else r.score,
            r.latency_ms,
            0.0 if r.cost_usd is None else r.cost_usd,
            r.spent_usd,
            np.nan if recall is None else recall,  # NaN: the record carries no retrieval recall
        )
        self._unwritten.append((position, floats))
        if len(self._unwritten) >= _BUFFERED:
            self._write_out()
        self.parse_failures += r.parse_status == "failed"
        self.errors += r.parse_status == "error"
        self.calls += r.calls
        self.cached_calls += r.cached_calls
        self.input_tokens += r.input_tokens
        self.output_tokens += r.output_tokens
        self.shots += len(r.trace.get("demo_ids", []))
        if is_failure(r):
            self.errored += 1
            if self.first_error is None or position < self.first_error[0]:
                self.first_error = (position, r.error)

    def _write_out(self) -> None:
        """The buffered floats into the file: each run of consecutive positions in one write (the
        answers of a run arrive nearly in order, so a buffer is a few runs)."""
        rows, self._unwritten = sorted(self._unwritten), []
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][0] != rows[i - 1][0] + 1:
                self._floats.write_at(rows[start][0] * _ROW.size, b"".join(row for _, row in rows[start:i]))
                start = i

    @property
    def needs_records(self) -> bool:
        """The score needs every prediction (not a mean of stored scores): read the records back."""
        return self.n > 0 and self.metric is not None and (not self.metric.decomposable or self.score_missing > 0)

    def _chunks(self, field: int) -> Iterator[np.ndarray]:
        """One float of every tallied example, in position order, a chunk of examples at a time."""
        if self._unwritten:
            self._write_out()
        for start in range(0, len(self.filled), _CHUNK):
            mask = self.filled[start : start + _CHUNK]
            if mask.any():
                raw = self._floats.read(start * _ROW.size, len(mask) * _ROW.size)
                yield np.frombuffer(raw, dtype="<f8").reshape(-1, 5)[mask, field]

    def _column(self, field: int) -> np.ndarray:
        return np.concatenate([np.empty(0), *self._chunks(field)])

    def _values(self, field: int) -> Iterator[float]:
        for chunk in self._chunks(field):
            yield from chunk.tolist()

    def summary(self, *, seed: int = 0) -> RunSummary:
        """``summarise`` of the tallied records in example order (a decomposable metric, or none)."""
        if self.needs_records:
            raise ValueError("this metric needs the records themselves: use runner.summary.summarise")
        n = self.n
        if n and self.metric is not None:
            scores = self._column(_SCORE)
            score = float(scores.mean())
            ci_low, ci_high = bootstrap_mean_ci(scores, seed=seed)
            del scores
        else:
            score = ci_low = ci_high = float("nan")
        # The same additions in the same order as ``summarise``, so the sums agree to the last bit.
        cost = None if self.cost_unknown else total_cost(self._values(_COST))
        per_call = None if cost is None or n == 0 else cost / n
        latencies = self._column(_LATENCY) if n else np.array([0.0])
        p50, p95 = float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95))
        del latencies
        recall = self._column(_RECALL) if self.recalls else np.empty(0)
        return RunSummary(
            n=n,
            metric=self.metric.name if self.metric is not None else "",
            score=_num(score),
            ci_low=_num(ci_low),
            ci_high=_num(ci_high),
            parse_failures=self.parse_failures,
            errors=self.errors,
            cost_usd=cost,
            cost_usd_spent=sum(self._values(_SPENT)),
            cost_per_1k_calls=None if per_call is None else per_call * 1000,
            latency_p50_ms=p50,
            latency_p95_ms=p95,
            calls=self.calls,
            cached_calls=self.cached_calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            calls_per_day=self.calls_per_day,
            shots_used_mean=self.shots / n if n else 0.0,
            retrieval_recall_at_k=_mean(recall[~np.isnan(recall)].tolist()),
            projected_monthly_usd=None if per_call is None else per_call * self.calls_per_day * 30,
        )

    def health(self, max_error_rate: float) -> RunHealth:
        """``health.assess`` of the tallied records."""
        return verdict(
            self.n, self.errored, self.parse_failures, self.first_error[1] if self.first_error else None, max_error_rate
        )
