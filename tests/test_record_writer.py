"""runner.record_writer: record batches written on their own thread, in order, none lost."""

from __future__ import annotations

import threading
import time

import pytest

from taskladder.errors import StoreError
from taskladder.runner.record_writer import MAX_QUEUED, RecordWriter
from taskladder.store import Record, Store


def _records(start: int, n: int) -> list[Record]:
    return [
        Record(run_id="r", example_id=f"e{i}", split="dev", inputs={"t": i}, expected={"l": "x"})
        for i in range(start, start + n)
    ]


def test_every_batch_is_stored_in_the_order_it_was_handed_in(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    writer = RecordWriter(store)
    for b in range(20):
        writer.put(_records(b * 50, 50))
    writer.close()
    assert [r.example_id for r in store.iter_records("r")] == [f"e{i}" for i in range(1000)]


def test_the_writes_leave_the_calling_thread(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    seen: list[str] = []
    put = store.put_records
    store.put_records = lambda records: seen.append(threading.current_thread().name) or put(records)  # type: ignore[method-assign]
    writer = RecordWriter(store)
    writer.put(_records(0, 3))
    writer.close()
    assert seen and all(name.startswith("taskladder-records") for name in seen)


def test_a_failed_write_is_raised_not_swallowed(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    calls = []

    def failing(records: list[Record]) -> None:
        calls.append(len(records))
        raise StoreError("disk full")

    store.put_records = failing  # type: ignore[method-assign]
    writer = RecordWriter(store)
    writer.put(_records(0, 2))
    with pytest.raises(StoreError, match="disk full"):
        for b in range(1, 10):  # the failure surfaces at a later put (or at close)
            time.sleep(0.01)
            writer.put(_records(b * 2, 2))
        writer.close()
    assert calls


def test_a_slow_store_holds_the_caller_back_instead_of_queueing_without_bound(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    put = store.put_records
    most = []

    def slow(records: list[Record]) -> None:
        time.sleep(0.02)
        put(records)

    store.put_records = slow  # type: ignore[method-assign]
    writer = RecordWriter(store)
    for b in range(12):
        writer.put(_records(b * 5, 5))
        most.append(len(writer._queued))
    writer.close()
    assert max(most) <= MAX_QUEUED
    assert len(list(store.iter_records("r"))) == 60
