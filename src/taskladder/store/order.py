"""The order a run's records are exported in: by example id, numbers within ids compared as
numbers (q2 before q10), stable from run to run whatever order the records were written in.

``example_order`` is that order as a Python key; ``example_order_bytes`` is the same order as
bytes, so SQLite sorts a run's ids itself (``ORDER BY`` a registered function, in its sorter,
which spills to a temporary file) instead of Python holding a key per record (~390 bytes a
record: 386 MB at a million).
"""

from __future__ import annotations

import re
import sqlite3
import struct

SQL_EXAMPLE_ORDER = "taskladder_example_order"

_DIGITS = re.compile(r"(\d+)")
_END = b"\x01"  # after the last part: below an int part's tag, so a shorter key sorts first
_INT = b"\x02"


def example_order(example_id: str) -> tuple[tuple[str | int, ...], str]:
    """Text at even places, numbers at odd ones, then the id itself (q07 and q7 tie on parts)."""
    parts = _DIGITS.split(example_id)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), example_id


def example_order_bytes(example_id: str) -> bytes:
    """``example_order(example_id)`` as bytes that compare (as SQLite compares BLOBs) as the keys do.

    Each text part is its UTF-8 (which orders as code points do) with NUL escaped as 00 01 and
    ended by 00 00, below any character; each number is a tag, its digit count and its digits
    without leading zeros (fewer digits: smaller); then an end mark and the id's UTF-8 for ties."""
    out = bytearray()
    for i, part in enumerate(_DIGITS.split(example_id)):
        if i % 2:
            digits = part.lstrip("0") or "0"
            if not digits.isascii():  # \d also matches other scripts' digits: int() reads them
                digits = str(int(part))
            out += _INT + struct.pack(">I", len(digits)) + digits.encode()
        else:
            out += part.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\x01") + b"\x00\x00"
    return bytes(out + _END + example_id.encode("utf-8", "surrogatepass"))


def register(db: sqlite3.Connection) -> None:
    db.create_function(SQL_EXAMPLE_ORDER, 1, example_order_bytes, deterministic=True)
