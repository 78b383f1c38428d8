"""Which examples the best run got wrong, worst first."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from ..store.records import Record


def _severity(r: Record) -> int:
    if r.error or r.parse_status == "error":
        return 0
    if r.parse_status != "ok":
        return 1
    return 2


def is_wrong(r: Record) -> bool:
    return _severity(r) < 2 or r.score is None or r.score < 1.0


def order_key(r: Record) -> tuple[int, float, str]:
    """Call errors first, then parse failures, then the lowest scores."""
    return (_severity(r), r.score if r.score is not None else -1.0, r.example_id)


def worst_errors(records: Iterable[Record], limit: int = 25) -> list[Record]:
    """Call errors first, then parse failures, then the lowest scores.

    Errors and parse failures lead because they are usually a fixable pipeline problem
    (a prompt, a parser, a rate limit), not a hard example. Streams: only ``limit`` records
    are held (``nsmallest`` is ``sorted(...)[:limit]``, ties in record order).
    """
    return heapq.nsmallest(limit, (r for r in records if is_wrong(r)), key=order_key)
