"""The run kernel: one lifecycle for every stored run.

eval, steps, cascade, arena and each rung of a climb describe *what* a run is (a
``RunPlan``) and hand the kernel a ``Predictor``; the kernel does the rest the same way
for all of them:

- **resume**: a run is keyed by its plan; an unfinished run with that key is picked up
  again and only examples without a stored record are predicted;
- **records**: each answer becomes a ``Record`` (scored here), written in batches — they are
  a view of calls already in the cache, so a kill loses none of what was paid for;
- **status**: ``running`` while it runs, ``interrupted`` when anything stops it (an
  exception, Ctrl-C), ``finished`` with a typed ``RunSummary`` at the end, or ``failed``
  when more examples errored than ``max_error_rate`` allows (``runner.health``): its score
  is not a result. Resuming a failed or interrupted run asks again for the examples that
  errored (failed calls are never cached, so this costs only what failed);
- **progress**: a bar with done/total, ETA, spend, cache hits and errors;
- **spend**: given the ``RunStats`` its callers share, every call they pay for is tagged
  with the run in the calls table, and the run's spend is that table's sum (bootstrap and
  judge calls included), so every spend shown reconciles with the calls made.

Cache, budget, retries and rate limits live one layer down, in the predictor's
``ModelCaller``: every call is persisted before it counts, so a rerun never pays twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from ..errors import ConfigError
from ..metrics import Metric
from ..models.base import Prediction, Predictor
from ..store import Record, RunInfo, RunSummary, Store
from ..task import Example, PackedExamples, Task
from .backend import BackendSpec, use_backend
from .calls import RunStats
from .health import DEFAULT_MAX_ERROR_RATE
from .progress import progress_bar, status_line
from .record_writer import RecordWriter
from .summary import summarise
from .tally import RunTally

FLUSH_EVERY = 500  # records per write
FLUSH_SECONDS = 2.0  # ...or this often, so a slow run checkpoints too
RESUME_PAGE = 1_000  # stored records placed at a time when a run resumes (10,000 held ~60 MB)
WORKERS_PER_TURN = 32  # workers started in the first event-loop turn, doubling after (_run_workers)


@dataclass
class RunPlan:
    """What a run is: the examples it answers and everything that makes it distinct.

    ``identity`` holds what besides the task, split and metric tells two runs apart (the
    pipeline, the models' identities, a limit); its hash is the run key that resume uses.
    """

    task: Task
    split: str
    examples: Sequence[Example]  # a loaded split is packed: an Example is made when read
    identity: dict[str, Any]
    model: str  # the name a run is listed under
    pipeline: dict[str, Any]  # plain data describing the predictor (stored with the run)
    scorer: Metric | None  # None: the records carry no score (an arena's judgments)
    label: str = ""  # progress bar text
    fingerprint: str | None = None  # the task's content hash, when ``task`` is a view of another
    gold_patches: int = 0  # viewer repairs applied to the task's examples of this split (runner.gold)

    @classmethod
    def for_task(cls, task: Task, split: str, limit: int | None, **kwargs: Any) -> "RunPlan":
        """A plan over ``task``'s ``split`` (its first ``limit`` examples); an empty split is an error."""
        examples = task.split(split)[: limit if limit else None]
        if not examples:
            raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
        identity = {"limit": limit, **kwargs.pop("identity", {})}
        return cls(task=task, split=split, examples=examples, identity=identity, **kwargs)

    @property
    def task_fingerprint(self) -> str:
        if self.fingerprint is None:
            self.fingerprint = self.task.fingerprint()  # hashing every example once per run is enough
        return self.fingerprint

    @property
    def key(self) -> str:
        payload = {"task": self.task_fingerprint, "split": self.split,
                   "metric": self.scorer.name if self.scorer else None, **self.identity}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def new_run(self) -> RunInfo:
        return RunInfo(
            run_id=new_run_id(self.key), task=self.task.name, task_fingerprint=self.task_fingerprint,
            model=self.model, split=self.split, metric=self.scorer.name if self.scorer else "",
            created_at=time.time(), task_spec=self.task.spec.model_dump(mode="json", by_alias=True),
            pipeline=self.pipeline,
        )


class StoredRecords(Sequence[Record]):
    """A finished run's records in example order, read from the store when first used.

    The kernel keeps no list of a run's records (a million of them were gigabytes); most
    callers only want the run and its summary, and those that want the records (a climb's
    significance test, distill, arena) get them here, once, on first use."""

    def __init__(self, store: Store, run_id: str, examples: Sequence[Example]):
        self._store, self._run_id, self._examples = store, run_id, examples
        self._records: list[Record] | None = None

    def _load(self) -> list[Record]:
        if self._records is None:
            by_id = {r.example_id: r for r in self._store.iter_records(self._run_id)}
            self._records = [by_id[e.id] for e in self._examples if e.id in by_id]
        return self._records

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[Record]:
        return iter(self._load())

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        return self._load()[index]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, StoredRecords)) else NotImplemented

    def __repr__(self) -> str:
        return f"StoredRecords(run_id={self._run_id!r})"


@dataclass
class RunResult:
    """A stored run and its records, in example order (``StoredRecords``: read when first used)."""

    run: RunInfo
    records: Sequence[Record]

    @property
    def summary(self) -> RunSummary:
        return self.run.summary


Finisher = Callable[[Sequence[Record]], dict[str, Any]]


def execute(plan: RunPlan, predictor: Predictor, *, store: Store, stats: RunStats | None = None,
            progress: bool = True, finish: Finisher | None = None,
            max_error_rate: float = DEFAULT_MAX_ERROR_RATE, backend: BackendSpec | None = None) -> RunResult:
    """Run ``predictor`` over ``plan`` to a finished (or failed), stored run, resuming an unfinished one.

    ``finish`` adds command-specific fields to the summary from the run's records. A run whose
    share of errored examples is above ``max_error_rate`` gets status ``failed``; the caller
    decides what that means (``eval`` exits 3, ``climb`` drops the rung). ``backend`` sends the
    provider calls to a Ray cluster for this run (``runner.backend``; the CLI enters it once per
    command instead); everything else stays in this process.
    """
    done: list[RunResult] = []

    async def run() -> None:
        # The result leaves by ``done``, not as the task's result: Python 3.11's asyncio.run formats
        # its main task (result included) when it restores the SIGINT handler, and repr() of every
        # record cost 0.2 s per 1,000 records (minutes at a million).
        done.append(await aexecute(plan, predictor, store=store, stats=stats, progress=progress, finish=finish,
                                   max_error_rate=max_error_rate))

    try:
        with use_backend(backend):
            asyncio.run(run())
        return done[0]
    except BaseException:
        # A KeyboardInterrupt raised inside a task leaves the loop before ``aexecute`` can clean
        # up (asyncio abandons the pending task), so the claims are given up here as well.
        store.release_claims_of_this_process()
        raise


async def aexecute(plan: RunPlan, predictor: Predictor, *, store: Store, stats: RunStats | None = None,
                   progress: bool = True, finish: Finisher | None = None,
                   max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> RunResult:
    ledger = stats is not None  # the callers share these stats, so their calls are tagged with the run
    stats = stats or RunStats()
    key = plan.key
    run = store.find_unfinished_run(key) or plan.new_run()
    run.status = "running"
    store.save_run(run, key)
    stats.run_id = run.run_id
    tally = RunTally(len(plan.examples), plan.scorer, plan.task.spec.volume.calls_per_day)
    todo = _resume(store, run.run_id, plan.examples, tally)
    resumed = tally.n
    try:
        await _predict_all(plan, predictor, run, todo, store, stats, progress, tally)
    except BaseException:
        run.status = "interrupted"
        store.save_run(run, key)
        store.release_claims_of_this_process()
        raise
    records = StoredRecords(store, run.run_id, plan.examples)
    if tally.needs_records:  # e.g. macro-F1: the score needs every prediction, not a mean of stored scores
        summary = summarise(list(records), plan.scorer, plan.task.spec.volume.calls_per_day)
    else:
        summary = tally.summary()
    health = tally.health(max_error_rate)
    extra = {"retries": stats.retries, "resumed_records": resumed, **health.model_dump(),
             "gold_patches": plan.gold_patches or None,
             **(finish(records) if finish else {})}
    if ledger:
        extra["cost_usd_spent"] = store.spent_by_runs([run.run_id])
    run.summary = RunSummary.model_validate({**summary.model_dump(exclude_unset=True), **extra})
    run.status = "failed" if health.failure else "finished"
    store.save_run(run, key)
    return RunResult(run=run, records=records)


def _resume(store: Store, run_id: str, examples: Sequence[Example], tally: RunTally) -> np.ndarray:
    """Tally what a resumed run already answered; return the positions of the examples still to predict.

    The store says which records need no new answer (all but those that errored) in SQL, a
    page at a time, and a page's ids are placed by the split's id index (``PackedExamples.positions``:
    sorted hashes, not a dict of a million ids), so resuming a million-record run never holds
    its records or its ids."""
    if not store.has_records(run_id):
        return np.arange(len(examples))
    place = _placer(examples)
    page: list[Record] = []

    def tally_page() -> None:
        for at, record in zip(place([r.example_id for r in page]), page):
            if at >= 0:
                tally.add(at, record)
        page.clear()

    for record in store.iter_records(run_id, answered_only=True):
        page.append(record)
        if len(page) >= RESUME_PAGE:
            tally_page()
    tally_page()
    return np.flatnonzero(~tally.filled)


def _placer(examples: Sequence[Example]) -> Callable[[list[str]], list[int]]:
    """Positions of ids in ``examples`` (-1: not there)."""
    if isinstance(examples, PackedExamples):
        return lambda ids: examples.positions(ids).tolist()
    position = {e.id: i for i, e in enumerate(examples)}
    return lambda ids: [position.get(i, -1) for i in ids]


async def _predict_all(plan: RunPlan, predictor: Predictor, run: RunInfo, todo: np.ndarray, store: Store,
                       stats: RunStats, progress: bool, tally: RunTally) -> None:
    if not len(todo):
        return
    with status_line(f"{plan.label or plan.model}: preparing to answer {len(todo)} examples", enabled=progress):
        await predictor.aprepare(plan.task)
    batches = _batches(plan.examples, todo, max(1, predictor.batch_size))
    pending: list[Record] = []
    last_flush = time.monotonic()
    writer = RecordWriter(store)

    def flush() -> None:
        nonlocal pending, last_flush
        writer.put(pending)
        pending = []
        last_flush = time.monotonic()

    answered = asyncio.Event()  # the first answer is back: the start-up is over (_run_workers)

    async def worker() -> None:
        # A fixed pool of workers pulling from one iterator keeps the predictor busy without a
        # task (and a wake-up) per example; a million-row run holds one batch per worker, and
        # a record only until its flush (the tally keeps what the summary needs).
        for positions, batch in batches:
            predictions = await predictor.apredict(batch)
            answered.set()
            if len(predictions) != len(batch):
                raise RuntimeError(f"{predictor.name} answered {len(predictions)} of {len(batch)} examples")
            for at, example, prediction in zip(positions, batch, predictions):
                record = record_of(run, example, prediction, plan.scorer)
                tally.add(at, record)
                pending.append(record)
            bar.advance(len(batch))
            # Records are only a view of cached calls, so batching their writes is safe.
            if len(pending) >= FLUSH_EVERY or time.monotonic() - last_flush > FLUSH_SECONDS:
                flush()

    workers = max(1, min(predictor.concurrency, -(-len(todo) // max(1, predictor.batch_size))))
    first = min(workers, getattr(predictor, "calls_in_flight", workers))
    with progress_bar(plan.label or plan.model, len(todo), stats, enabled=progress) as bar:
        try:
            await _run_workers(worker, workers, first, answered)
        finally:
            try:
                flush()
            finally:
                writer.close()  # every record is stored before the run is read back or left


async def _run_workers(worker: Callable[[], Awaitable[None]], count: int, first: int,
                       answered: asyncio.Event) -> None:
    """``count`` workers: ``first`` of them at once, the rest once ``answered`` is set.

    The first ``first`` (one per call the predictor can have in flight) start ``WORKERS_PER_TURN``
    in the first event-loop turn and twice as many in each next: started all at once, every worker
    would prepare its first example (render, cache lookup, claim) before the first request could
    connect and leave, and at concurrency 512 that held it back by ~0.5 s. The rest only keep the
    predictor's slots full while answers are parsed and recorded, so they wait for the first
    answer: before it, they would only queue for a slot, taking turns the first connections need."""
    tasks: list[asyncio.Task[None]] = []

    async def start(upto: int) -> None:
        step = WORKERS_PER_TURN
        while len(tasks) < upto:
            tasks.extend(asyncio.ensure_future(worker()) for _ in range(min(step, upto - len(tasks))))
            if len(tasks) < upto:
                await asyncio.sleep(0)
            step *= 2

    try:
        await start(first)
        if count > first:
            # Every first worker may finish (a short split) before an answer sets the event.
            done = asyncio.ensure_future(asyncio.wait(tasks))
            waiting = asyncio.ensure_future(answered.wait())
            await asyncio.wait([done, waiting], return_when=asyncio.FIRST_COMPLETED)
            for pending in (done, waiting):
                pending.cancel()
            await start(count)
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def record_of(run: RunInfo, example: Example, p: Prediction, scorer: Metric | None) -> Record:
    """The stored form of one answer, scored against the example's expected outputs.

    Built without a validation pass (one per example was ~4% of an eval's CPU): every field comes
    from an already-validated ``Example`` and ``Prediction``, and each number is cast to the
    type ``Record`` declares, so the stored JSON is byte for byte what validation gave
    (tests/test_kernel_workers.py compares the two)."""
    if scorer is None:
        score = None
    else:
        score = float(scorer.score(p.output, example.outputs)) if p.output is not None else 0.0
    return Record.model_construct(
        run_id=run.run_id, example_id=example.id, split=run.split, inputs=example.inputs,
        expected=example.outputs, prediction=p.output, raw_text=p.raw_text, parse_status=p.parse_status,
        parse_error=p.parse_error, score=score, input_tokens=int(p.usage.input_tokens),
        output_tokens=int(p.usage.output_tokens), cost_usd=_float_or_none(p.cost_usd), spent_usd=float(p.spent_usd),
        latency_ms=float(p.latency_ms), calls=int(p.calls), cached_calls=int(p.cached_calls), error=p.error,
        confidence=_float_or_none(p.confidence), trace=p.trace,
    )


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)


def new_run_id(run_key: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    salt = hashlib.sha256(f"{run_key}{time.time_ns()}".encode()).hexdigest()[:6]
    return f"{stamp}-{salt}"


def _batches(examples: Sequence[Example], todo: np.ndarray, size: int) -> Iterator[tuple[list[int], list[Example]]]:
    """``todo``'s examples ``size`` at a time, with their positions in the plan (made as workers ask)."""
    for start in range(0, len(todo), size):
        positions = todo[start : start + size].tolist()
        yield positions, [examples[i] for i in positions]
