"""The keys a comparison of runs filters on, kept in their own columns of ``records`` (schema 6).

``answer_key`` is what correctness and disagreement compare: the parsed prediction as
canonical JSON (sorted keys, so two runs giving the same answer have the same key whatever
order their fields came in), or ``raw:`` and the raw text when nothing parsed. ``expected_key``
is the expected output, canonical in the same way. The record writer computes both for new
rows and migration 6 backfills old ones through the same functions (registered in SQLite),
so a backfilled run and a new one compare equal on equal answers.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

SQL_ANSWER_KEY = "taskladder_answer_key"
SQL_CANONICAL = "taskladder_canonical_json"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def answer_key(prediction: dict[str, Any] | None, raw_text: str) -> str:
    return "raw:" + (raw_text or "") if prediction is None else canonical_json(prediction)


def expected_key(expected: dict[str, Any]) -> str:
    return canonical_json(expected)


def register_sql_functions(db: sqlite3.Connection) -> None:
    """``taskladder_answer_key(prediction JSON, raw text)`` and ``taskladder_canonical_json(JSON)``,
    for a backfill in one UPDATE (the JSON text as ``json_extract`` returns it)."""
    db.create_function(
        SQL_ANSWER_KEY,
        2,
        lambda prediction, raw: answer_key(None if prediction is None else json.loads(prediction), raw or ""),
        deterministic=True,
    )
    db.create_function(
        SQL_CANONICAL,
        1,
        lambda text: canonical_json(json.loads(text if text is not None else "{}")),
        deterministic=True,
    )
