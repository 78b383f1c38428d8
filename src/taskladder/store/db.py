"""SQLite store (WAL): the call cache, runs and per-example records.

One file under ``TASKLADDER_HOME``. Calls are committed the moment they finish (those that
finish in the same event-loop turn share one commit), so a crash or ``kill -9`` loses at most
the calls in flight; records are written in small
batches because they can always be rebuilt from the cached calls.

Secrets never reach this file: requests are stored without API keys or headers.

The schema is versioned (``migrations.py``): opening a store brings it up to
``SCHEMA_VERSION``; a file that is not SQLite, or one written by a newer taskladder, raises
a one-line ``StoreError`` before anything in it is changed.
"""

from __future__ import annotations

import itertools
import json
import operator
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import StoreError
from ..redaction import redact_value
from ..settings import Settings
from .human import HumanLabels
from .keys import answer_key, expected_key, json_encoder
from .migrations import check_usable, migrate
from .order import SQL_EXAMPLE_ORDER
from .order import register as register_order
from .records import Record, RunInfo

# Record fields mirrored into their own columns of `records` (schema 2) so they can be queried
# in plain SQL; `data` keeps the whole record and stays the source of truth.
RECORD_COLUMNS = ("split", "score", "parse_status", "cost_usd", "latency_ms", "error")
_record_columns = operator.attrgetter(*RECORD_COLUMNS)  # a record's values of them, as one tuple
# ...and the keys a comparison of runs filters on (schema 6, store/keys.py).
KEY_COLUMNS = ("answer_key", "expected_key")
_dumps = json_encoder()  # json.dumps with its defaults, made once
# An example the predictor could not answer (``runner.health.is_failure``), on those columns.
FAILED_RECORD_SQL = "coalesce(error, '') != '' AND instr(error, 'blocked by guard:') = 0"


def _dead(pid: int, host: str) -> bool:
    """True when ``pid`` on this host no longer runs (its claims are stale)."""
    if host != socket.gethostname():
        return False  # another machine's process: only its claim's expiry frees it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # exists, owned by someone else
    return False


class CachedCall(dict):
    """A cached provider call: text, usage, cost and latency as first recorded."""


class StoredRecords:
    """A run's records, read from the store afresh each time they are iterated (a page at a
    time): what a report or an export takes in place of a list, so memory stays flat in the
    run's size."""

    def __init__(self, store: "Store", run_id: str):
        self.store, self.run_id = store, run_id

    def __iter__(self) -> Iterator[Record]:
        return self.store.iter_records(self.run_id)

    def first_example_id(self) -> str | None:
        """The smallest example id, in SQL: no record is read. (SQLite compares text as UTF-8
        bytes, which orders as Python orders the strings.)"""
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT min(example_id) FROM records WHERE run_id = ?", (self.run_id,)
            ).fetchone()
        return row[0] if row else None


class Store(HumanLabels):  # HumanLabels: gold patches, votes, review queues (store/human.py)
    def __init__(self, path: str | Path | None = None):
        """The store at ``path``; without one, the environment's (prefer ``Store.default()``)."""
        self.path = Path(path) if path else Settings.from_env().store_path
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # e.g. a file where the home folder should be
            raise StoreError(
                f"cannot create the folder of the taskladder store {self.path} ({exc.strerror}); "
                "set TASKLADDER_HOME to a folder you can write"
            ) from None
        # One connection shared by the event loop thread; a lock guards rare use from others.
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the taskladder store {self.path}: {exc}; "
                "check the path or set TASKLADDER_HOME to another folder"
            ) from None
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def default(cls, settings: Settings | None = None) -> "Store":
        """The fallback for library calls given no store: ``settings``' store, else the environment's."""
        return cls((settings or Settings.from_env()).store_path)

    def _open(self) -> None:
        try:
            self._db.execute("PRAGMA busy_timeout=10000")
            check_usable(self._db, self.path)  # read-only, so a foreign or newer file stays byte-identical
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
            migrate(self._db, self.path)
            register_order(self._db)  # for export's ORDER BY
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB" or "not a database" in str(exc):
                raise StoreError(
                    f"{self.path} is not a SQLite file, so it cannot be the taskladder store: "
                    "move it away or set TASKLADDER_HOME to another folder"
                ) from None
            raise StoreError(
                f"cannot open the taskladder store {self.path}: {exc}; "
                "check the file or set TASKLADDER_HOME to another folder"
            ) from None

    def schema_version(self) -> int:
        """The schema version recorded in the file (``PRAGMA user_version``)."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self, immediate: bool = False) -> Iterator[None]:
        """A batch is all or nothing, and a failed one never leaves the shared connection mid-transaction.

        ``immediate`` takes the write lock first, so a read-then-write is atomic across processes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- call cache -------------------------------------------------------------------
    def get_call(self, key: str) -> CachedCall | None:
        found = self.get_calls([key])
        return found.get(key)

    def get_calls(self, keys: Iterable[str]) -> dict[str, CachedCall]:
        """Bulk lookup: a replay of thousands of calls costs a few queries, not thousands."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, CachedCall] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, text, input_tokens, output_tokens, cost_usd, latency_ms, extra, created_at, run_id "
                    f"FROM calls WHERE key IN ({marks})",
                    chunk,
                ).fetchall()
                for k, text, tin, tout, cost, lat, extra, created, run_id in rows:
                    out[k] = CachedCall(
                        text=text,
                        input_tokens=tin,
                        output_tokens=tout,
                        cost_usd=cost,
                        latency_ms=lat,
                        extra=json.loads(extra) if extra else {},
                        created_at=created,
                        run_id=run_id,
                    )
        return out

    def put_call(
        self,
        key: str,
        model: str,
        request: dict[str, Any] | str,
        text: str,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float | None,
        latency_ms: float,
        extra: dict | None = None,
        run_id: str | None = None,
    ) -> None:
        """Cache a call, tagged with the run that paid for it, and release its claim (if any).

        ``request`` is the request sent (no key, no headers), or that request already as JSON."""
        self.put_calls([(key, model, request, text, input_tokens, output_tokens, cost_usd, latency_ms, extra, run_id)])

    def put_calls(self, calls: Iterable[tuple[Any, ...]]) -> None:
        """Cache many calls (each ``put_call``'s arguments, in order) in one transaction.

        One commit for the calls that finished together: at hundreds of calls a second a
        commit per call was a large share of a run's CPU (runner.group_commit)."""
        now = time.time()
        rows = [
            redact_value(
                (
                    key,
                    model,
                    request if isinstance(request, str) else json.dumps(request, sort_keys=True),
                    text,
                    tin,
                    tout,
                    cost,
                    latency,
                    _dumps(extra) if extra else None,
                    now,
                    run_id,
                )
            )
            for key, model, request, text, tin, tout, cost, latency, extra, run_id in calls
        ]
        if not rows:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO calls (key, model, request, text, input_tokens, output_tokens, cost_usd, "
                "latency_ms, extra, created_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            self._db.executemany("DELETE FROM call_claims WHERE key = ?", [(row[0],) for row in rows])

    def spent_by_runs(self, run_ids: Iterable[str]) -> float:
        """What the calls paid for by these runs cost: the ledger every spend shown is summed from."""
        ids = list(dict.fromkeys(r for r in run_ids if r))
        total = 0.0
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                row = self._db.execute(
                    f"SELECT SUM(cost_usd) FROM calls WHERE run_id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchone()
                total += row[0] or 0.0
        return total

    # ---- call claims: one process sends a call, the others wait for its answer ------------
    def claim_call(self, key: str, owner: str, ttl_s: float) -> str | None:
        """Claim ``key`` for ``owner``; ``None`` when claimed, else the owner holding it.

        A claim past its expiry, or held by a process on this host that no longer exists
        (a ``kill -9``), is taken over."""
        return self.claim_calls([key], owner, ttl_s).get(key)

    def claim_calls(self, keys: Iterable[str], owner: str, ttl_s: float) -> dict[str, str]:
        """Claim each of ``keys`` for ``owner`` in one transaction, as ``claim_call`` claims one.

        Returns the keys another live owner holds (key -> that owner); every other key is now
        ``owner``'s."""
        keys = list(dict.fromkeys(keys))
        now = time.time()
        held: dict[str, str] = {}
        with self._transaction(immediate=True):
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, owner, pid, host, expires_at FROM call_claims WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, holder, pid, host, expires in rows:
                    if holder != owner and expires > now and not _dead(pid, host):
                        held[key] = str(holder)
            pid, host = os.getpid(), socket.gethostname()
            self._db.executemany(
                "INSERT OR REPLACE INTO call_claims (key, owner, pid, host, expires_at) VALUES (?,?,?,?,?)",
                [(k, owner, pid, host, now + ttl_s) for k in keys if k not in held],
            )
        return held

    def release_call(self, key: str, owner: str) -> None:
        """Give a claim up (the call failed): a waiting process may then claim and send it."""
        with self._lock:
            self._db.execute("DELETE FROM call_claims WHERE key = ? AND owner = ?", (key, owner))

    def release_claims_of_this_process(self) -> None:
        """Give up every claim this process holds: a run interrupted in-process (Ctrl-C, an
        exception) may not reach each call's own release, and a claim held by a live process is
        otherwise waited on until it expires, also by this same process when it resumes."""
        with self._lock:
            self._db.execute("DELETE FROM call_claims WHERE pid = ? AND host = ?", (os.getpid(), socket.gethostname()))

    def cache_stats(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute(
                "SELECT model, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost_usd), "
                "SUM(cost_usd IS NULL) FROM calls GROUP BY model ORDER BY model"
            ).fetchall()
        models = [
            {
                "model": m,
                "calls": n,
                "input_tokens": tin or 0,
                "output_tokens": tout or 0,
                "cost_usd": cost or 0.0,
                "unknown_cost_calls": unknown or 0,
            }
            for m, n, tin, tout, cost, unknown in rows
        ]
        size = self.path.stat().st_size if self.path.exists() else 0
        return {"path": str(self.path), "bytes": size, "calls": sum(m["calls"] for m in models), "models": models}

    def clear_cache(self, model: str | None = None) -> int:
        with self._lock:
            if model:
                cur = self._db.execute("DELETE FROM calls WHERE model = ?", (model,))
            else:
                cur = self._db.execute("DELETE FROM calls")
            return cur.rowcount

    # ---- runs and records --------------------------------------------------------------
    def save_run(self, info: RunInfo, run_key: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO runs (run_id, run_key, task, model, split, status, created_at, info, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                redact_value(
                    (
                        info.run_id,
                        run_key,
                        info.task,
                        info.model,
                        info.split,
                        info.status,
                        info.created_at,
                        info.model_dump_json(),
                        time.time(),
                    )
                ),
            )

    def find_unfinished_run(self, run_key: str) -> RunInfo | None:
        with self._lock:
            row = self._db.execute(
                "SELECT info FROM runs WHERE run_key = ? AND status != 'finished' ORDER BY created_at DESC LIMIT 1",
                (run_key,),
            ).fetchone()
        return RunInfo.model_validate_json(row[0]) if row else None

    def get_run(self, run_id: str) -> RunInfo | None:
        with self._lock:
            row = self._db.execute("SELECT info FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None and run_id:  # a unique prefix or suffix is enough, like git
                rows = self._db.execute(
                    "SELECT info FROM runs WHERE run_id LIKE ? OR run_id LIKE ? LIMIT 2",
                    (run_id + "%", "%" + run_id),
                ).fetchall()
                row = rows[0] if len(rows) == 1 else None
        return RunInfo.model_validate_json(row[0]) if row else None

    def list_runs(self, task: str | None = None, limit: int = 50) -> list[RunInfo]:
        with self._lock:
            if task:
                rows = self._db.execute(
                    "SELECT info FROM runs WHERE task = ? ORDER BY created_at DESC LIMIT ?", (task, limit)
                ).fetchall()
            else:
                rows = self._db.execute("SELECT info FROM runs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [RunInfo.model_validate_json(r[0]) for r in rows]

    def put_records(self, records: Iterable[Record]) -> None:
        rows = [
            redact_value(
                (
                    r.run_id,
                    r.example_id,
                    r.model_dump_json(),
                    *_record_columns(r),
                    answer_key(r.prediction, r.raw_text),
                    expected_key(r.expected),
                )
            )
            for r in records
        ]
        if not rows:
            return
        columns = ", ".join(("run_id", "example_id", "data", *RECORD_COLUMNS, *KEY_COLUMNS))
        marks = ",".join("?" * (3 + len(RECORD_COLUMNS) + len(KEY_COLUMNS)))
        with self._transaction():
            self._db.executemany(f"INSERT OR REPLACE INTO records ({columns}) VALUES ({marks})", rows)

    def get_records(self, run_id: str) -> list[Record]:
        return list(self.iter_records(run_id))

    def records_of(self, run_id: str) -> StoredRecords:
        """A run's records as a re-iterable view (``StoredRecords``), never all in memory."""
        return StoredRecords(self, run_id)

    def iter_records(self, run_id: str, *, answered_only: bool = False) -> Iterator[Record]:
        """A run's records in the order they were written, read a page at a time (a million-record
        run is never all in memory). ``answered_only`` leaves out the examples that errored (a
        guard's block is an answer), as ``runner.health.is_failure`` would."""
        query = "SELECT data FROM records WHERE run_id = ?"
        if answered_only:
            query += f" AND NOT ({FAILED_RECORD_SQL})"
        for (data,) in self._pages(query + " ORDER BY rowid", (run_id,)):
            yield Record.model_validate_json(data)

    def _pages(self, query: str, args: tuple[Any, ...], size: int = 1000) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query``, fetched ``size`` at a time; the lock is held per page, not between."""
        with self._lock:
            cursor = self._db.execute(query, args)
        try:
            while True:
                with self._lock:
                    rows = cursor.fetchmany(size)
                if not rows:
                    return
                yield from rows
        finally:
            cursor.close()

    def iter_records_ordered(self, run_id: str, page: int = 500) -> Iterator[Record]:
        """A run's records in export order (``order.example_order``: ids, numbers as numbers),
        read a page at a time. SQLite sorts the ids by their order bytes (its sorter spills to
        a temporary file), so no key per record is held here; each page is then read by rowid."""
        rowids = self._pages(
            f"SELECT rowid FROM records WHERE run_id = ? ORDER BY {SQL_EXAMPLE_ORDER}(example_id)", (run_id,), page
        )
        while chunk := [rowid for (rowid,) in itertools.islice(rowids, page)]:
            with self._lock:
                rows = dict(
                    self._db.execute(
                        f"SELECT rowid, data FROM records WHERE rowid IN ({','.join('?' * len(chunk))})", chunk
                    ).fetchall()
                )
            for rowid in chunk:
                yield Record.model_validate_json(rows[rowid])

    def has_records(self, run_id: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM records WHERE run_id = ? LIMIT 1", (run_id,)).fetchone() is not None

    def record_ids(self, run_id: str) -> set[str]:
        with self._lock:
            rows = self._db.execute("SELECT example_id FROM records WHERE run_id = ?", (run_id,)).fetchall()
        return {r[0] for r in rows}

    # ---- self-generated rationales (kept only when they led to the right answer) --------
    def put_rationales(self, task_fingerprint: str, model: str, rows: Iterable[dict[str, Any]]) -> None:
        data = [
            redact_value(
                (
                    task_fingerprint,
                    model,
                    r["example_id"],
                    r["rationale"],
                    json.dumps(r["answer"]),
                    json.dumps(r["lineage"]),
                )
            )
            for r in rows
        ]
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO rationales (task_fingerprint, model, example_id, rationale, answer, lineage) "
                "VALUES (?,?,?,?,?,?)",
                data,
            )

    def get_rationales(self, task_fingerprint: str | None = None, model: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT task_fingerprint, model, example_id, rationale, answer, lineage FROM rationales", []
        conds = []
        if task_fingerprint:
            conds.append("task_fingerprint = ?")
            args.append(task_fingerprint)
        if model:
            conds.append("model = ?")
            args.append(model)
        if conds:
            query += " WHERE " + " AND ".join(conds)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY rowid", args).fetchall()
        return [
            {
                "task_fingerprint": t,
                "model": m,
                "example_id": e,
                "rationale": r,
                "answer": json.loads(a),
                "lineage": json.loads(lin),
            }
            for t, m, e, r, a, lin in rows
        ]

    # ---- provider fine-tuning jobs (taskladder.finetune.jobs) --------------------------------
    def put_finetune_job(self, row: dict[str, Any]) -> None:
        """Insert or update the job of one submission (``row`` as ``finetune_jobs`` returns it)."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO finetune_jobs (submission_key, job_id, provider, base_model, status, fine_tuned_model, "
                "created_at, updated_at, info) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(submission_key) DO UPDATE SET "
                "job_id = excluded.job_id, status = excluded.status, fine_tuned_model = excluded.fine_tuned_model, "
                "updated_at = excluded.updated_at, info = excluded.info",
                redact_value(
                    (
                        row["submission_key"],
                        row.get("job_id"),
                        row["provider"],
                        row["base_model"],
                        row["status"],
                        row.get("fine_tuned_model"),
                        row.get("created_at", now),
                        now,
                        json.dumps(row.get("info", {})),
                    )
                ),
            )

    def finetune_jobs(self, submission_key: str | None = None, job_id: str | None = None) -> list[dict[str, Any]]:
        """Stored fine-tuning jobs, newest first; filtered by submission or provider job id."""
        query, args = (
            (
                "SELECT submission_key, job_id, provider, base_model, status, fine_tuned_model, created_at, "
                "updated_at, info FROM finetune_jobs"
            ),
            [],
        )
        if submission_key is not None:
            query, args = query + " WHERE submission_key = ?", [submission_key]
        elif job_id is not None:
            query, args = query + " WHERE job_id = ?", [job_id]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at DESC", args).fetchall()
        keys = (
            "submission_key",
            "job_id",
            "provider",
            "base_model",
            "status",
            "fine_tuned_model",
            "created_at",
            "updated_at",
        )
        return [{**dict(zip(keys, r[:8])), "info": json.loads(r[8])} for r in rows]

    # ---- served requests: guard decisions per request (never the request text or a token) --
    def log_served(self, model: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO served (model, time, status, decisions, input_tokens, output_tokens, cached) "
                "VALUES (?,?,?,?,?,?,?)",
                redact_value(
                    (
                        model,
                        entry.get("time", time.time()),
                        entry["status"],
                        json.dumps(entry.get("decisions", {})),
                        entry.get("usage_in", 0),
                        entry.get("usage_out", 0),
                        int(bool(entry.get("cached"))),
                    )
                ),
            )

    def served_log(self, model: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT model, time, status, decisions, input_tokens, output_tokens, cached FROM served"
                + (" WHERE model = ?" if model else "")
                + " ORDER BY id",
                (model,) if model else (),
            ).fetchall()
        return [
            {
                "model": m,
                "time": t,
                "status": s,
                "decisions": json.loads(d),
                "usage_in": i,
                "usage_out": o,
                "cached": bool(c),
            }
            for m, t, s, d, i, o, c in rows
        ]
