"""What people add to the store in ``taskladder view``: gold patches, pairwise votes, review queues.

A mixin of ``Store`` (it uses the store's connection, lock and transactions), kept in its own
file so the human-labelling tables (migration ``m004_human_labels``) read as one concept.
Every edit is appended, never overwritten: a patch row records who changed what from which old
value, and the latest row per (task, example, field) is the one in force.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from typing import Any, Iterable

from ..redaction import redact_value
from .records import Record

VOTE_WINNERS = ("a", "b", "tie", "both_bad")


class HumanLabels:
    _db: sqlite3.Connection
    _lock: threading.RLock

    def _transaction(self, immediate: bool = False) -> AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    # ---- one record, for a page about one example (without parsing a whole run) ----------
    def get_record(self, run_id: str, example_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM records WHERE run_id = ? AND example_id = ?",
                                   (run_id, example_id)).fetchone()
        return Record.model_validate_json(row[0]) if row else None

    def get_records_of(self, run_id: str, example_ids: Iterable[str]) -> dict[str, Record]:
        """Some of a run's records, by example id (a page of a comparison)."""
        ids = list(dict.fromkeys(example_ids))
        out: dict[str, Record] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i: i + 500]
                rows = self._db.execute(f"SELECT data FROM records WHERE run_id = ? AND example_id IN "
                                        f"({','.join('?' * len(chunk))})", (run_id, *chunk)).fetchall()
                out.update((r.example_id, r) for r in (Record.model_validate_json(d) for (d,) in rows))
        return out

    def record_digests(self, run_id: str) -> list[tuple[str, float | None, str, str | None, str, str]]:
        """Per record, in order, what filtering a comparison needs without parsing it: (example id,
        score, parse status, error, answer key, expected output as JSON text), the keys from
        their own columns (store/keys.py), read from one covering index."""
        with self._lock:
            return self._db.execute(
                "SELECT example_id, score, parse_status, error, answer_key, expected_key FROM records "
                "WHERE run_id = ? ORDER BY rowid", (run_id,)).fetchall()

    def search_records(self, run_id: str, text: str) -> set[str]:
        """Example ids whose input values, expected values or raw output contain ``text`` (ASCII
        letters in any case). The LIKE over the whole JSON is a cheap first pass; json_extract then runs
        only on its hits (the record's other parts, such as its trace, must not match)."""
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # JSON escapes quotes, backslashes and control characters, so such text skips the first pass.
        first_pass = "" if any(c in text for c in '"\\\n\r\t') else "data LIKE ?2 ESCAPE '\\' AND "
        with self._lock:
            rows = self._db.execute(
                f"SELECT example_id FROM records WHERE run_id = ?1 AND {first_pass}("
                "COALESCE((SELECT group_concat(value, ' ') FROM json_each(records.data, '$.inputs')), '') || ' ' || "
                "COALESCE((SELECT group_concat(value, ' ') FROM json_each(records.data, '$.expected')), '') || ' ' || "
                "COALESCE(json_extract(data, '$.raw_text'), '') || ' ' || example_id) LIKE ?2 ESCAPE '\\'",
                (run_id, like)).fetchall()
        return {r[0] for r in rows}

    # ---- gold patches -------------------------------------------------------------------
    def put_gold_patch(self, task: str, example_id: str, *, author: str, field: str | None = None,
                       old_value: Any = None, new_value: Any = None, ambiguous: bool = False,
                       note: str = "") -> int:
        """Append a patch: ``field`` corrected to ``new_value`` (was ``old_value``), or the
        example marked ``ambiguous`` (``field`` None). Returns the patch id."""
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO gold_patches (task, example_id, field, old_value, new_value, ambiguous, author, note, "
                "created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                redact_value((task, example_id, field, json.dumps(old_value), json.dumps(new_value), int(ambiguous),
                              author, note, time.time())),
            )
            return int(cur.lastrowid or 0)

    def gold_patches(self, task: str | None = None, *, history: bool = False) -> list[dict[str, Any]]:
        """Patches of ``task`` (every task without one), oldest first. Without ``history``, only
        those in force: the latest correction per (task, example, field) and the latest
        ambiguity mark per example (a mark with ``ambiguous`` false lifts an earlier one)."""
        query = ("SELECT id, task, example_id, field, old_value, new_value, ambiguous, author, note, created_at "
                 "FROM gold_patches" + (" WHERE task = ?" if task else "") + " ORDER BY id")
        with self._lock:
            rows = self._db.execute(query, (task,) if task else ()).fetchall()
        patches = [{"id": i, "task": t, "example_id": e, "field": f, "old_value": json.loads(o),
                    "new_value": json.loads(n), "ambiguous": bool(a), "author": au, "note": no, "created_at": c}
                   for i, t, e, f, o, n, a, au, no, c in rows]
        if history:
            return patches
        latest: dict[tuple[str, str, str | None], dict[str, Any]] = {}
        for p in patches:
            latest[(p["task"], p["example_id"], p["field"])] = p
        return [p for p in latest.values() if p["field"] is not None or p["ambiguous"]]

    # ---- pairwise votes -----------------------------------------------------------------
    def put_vote(self, task: str, example_id: str, run_a: str, run_b: str, *, left_run: str, winner: str,
                 voter: str) -> None:
        """One human verdict on runs ``a``/``b`` for an example; ``left_run`` was shown on the left."""
        if winner not in VOTE_WINNERS:
            raise ValueError(f"winner must be one of {', '.join(VOTE_WINNERS)}, not {winner!r}")
        with self._lock:
            self._db.execute(
                "INSERT INTO votes (task, example_id, run_a, run_b, left_run, winner, voter, created_at) "
                "VALUES (?,?,?,?,?,?,?,?)",
                redact_value((task, example_id, run_a, run_b, left_run, winner, voter, time.time())),
            )

    def votes(self, task: str | None = None) -> list[dict[str, Any]]:
        query = ("SELECT id, task, example_id, run_a, run_b, left_run, winner, voter, created_at FROM votes"
                 + (" WHERE task = ?" if task else "") + " ORDER BY id")
        with self._lock:
            rows = self._db.execute(query, (task,) if task else ()).fetchall()
        keys = ("id", "task", "example_id", "run_a", "run_b", "left_run", "winner", "voter", "created_at")
        return [dict(zip(keys, row)) for row in rows]

    # ---- review queues ------------------------------------------------------------------
    def enqueue_reviews(self, queue: str, task: str, items: Iterable[tuple[str, list[str], str]]) -> int:
        """Queue (example_id, run ids, reason) items; ones already queued stay as they are.
        Returns how many were added."""
        now = time.time()
        rows = [redact_value((queue, task, ex, json.dumps(runs), reason, now)) for ex, runs, reason in items]
        with self._transaction():
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO review_queue (queue, task, example_id, runs, reason, added_at) "
                                 "VALUES (?,?,?,?,?,?)", rows)
            return self._db.total_changes - before

    def review_queue(self, queue: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, queue, task, example_id, runs, reason, status, reviewer, added_at, reviewed_at "
                "FROM review_queue WHERE queue = ? ORDER BY id", (queue,)).fetchall()
        keys = ("id", "queue", "task", "example_id", "runs", "reason", "status", "reviewer", "added_at", "reviewed_at")
        out = [dict(zip(keys, row)) for row in rows]
        for item in out:
            item["runs"] = json.loads(item["runs"])
        return out

    def review_queues(self) -> list[dict[str, Any]]:
        """Each queue with its size and how many items are reviewed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT queue, task, COUNT(*), SUM(status = 'done') FROM review_queue GROUP BY queue, task "
                "ORDER BY MIN(added_at)").fetchall()
        return [{"queue": q, "task": t, "total": n, "done": d or 0} for q, t, n, d in rows]

    def mark_reviewed(self, item_id: int, reviewer: str) -> bool:
        with self._lock:
            cur = self._db.execute("UPDATE review_queue SET status = 'done', reviewer = ?, reviewed_at = ? WHERE id = ?",
                                   redact_value((reviewer, time.time(), item_id)))
            return cur.rowcount > 0
