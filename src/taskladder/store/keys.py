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
from collections.abc import Callable
from json import encoder as _json_encoder
from typing import Any

SQL_ANSWER_KEY = "taskladder_answer_key"
SQL_CANONICAL = "taskladder_canonical_json"
_CANONICAL = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}


def json_encoder(**options: Any) -> Callable[[Any], str]:
    """``json.dumps(value, **options)`` as a function made once.

    ``json.dumps`` with any option builds a ``JSONEncoder`` and its C encoder on every call,
    which cost more than encoding a chat request itself (several per call, at thousands of
    calls a second). This builds the C encoder once, with exactly the settings ``dumps`` would
    pass it, so the text is the same to the byte (tests/test_canonical_json.py); only a
    circular value fails differently (``RecursionError``, not ``ValueError``). Without the C
    module (another Python), it is ``json.dumps`` itself."""
    settings = json.JSONEncoder(check_circular=False, **options)
    make = getattr(_json_encoder, "c_make_encoder", None)  # private to json, absent from its stubs
    if make is None:
        return lambda value: json.dumps(value, **options)
    strings = _json_encoder.encode_basestring_ascii if settings.ensure_ascii else _json_encoder.encode_basestring
    encode = make(
        None,
        settings.default,
        strings,
        settings.indent,
        settings.key_separator,
        settings.item_separator,
        settings.sort_keys,
        settings.skipkeys,
        settings.allow_nan,
    )
    return lambda value: "".join(encode(value, 0))


# Sorted keys, no spaces, text as it is: the one canonical form of a value (cache requests, keys).
canonical_json = json_encoder(**_CANONICAL)


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
