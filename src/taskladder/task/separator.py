"""Which character separates a CSV's columns: the one that splits every sampled line into the
same number (more than one) of columns. Comma files from Excel in many locales use ';', and
exports from databases use tabs; reading them with ',' gives a misleading quoting error."""

from __future__ import annotations

import csv
import io

CANDIDATES = (",", ";", "\t", "|")
SAMPLE_CHARS = 64 * 1024  # a file longer than this is sampled
_SAMPLE_LINES = 50


def detect_separator(text: str, default: str = ",") -> str:
    sample = text[:SAMPLE_CHARS]
    cut = len(text) > SAMPLE_CHARS
    best, best_width = default, 1
    for sep in (default, *[c for c in CANDIDATES if c != default]):
        width = _consistent_width(sample, sep, drop_last=cut)
        if width > 1 and sep == default:
            return default  # the file's own kind of separator works: never second-guess it
        if width > best_width:
            best, best_width = sep, width
    return best


def _consistent_width(sample: str, sep: str, drop_last: bool = False) -> int:
    """The column count when every sampled row has the same one, else 0. ``drop_last``: the
    sample was cut, so its last row may be partial (even inside a quoted multi-line cell)."""
    try:
        rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep))
    except csv.Error:
        return 0
    rows = rows[:-1] if drop_last and len(rows) > 1 else rows
    rows = rows[:_SAMPLE_LINES]
    widths = {len(r) for r in rows if r}
    return widths.pop() if len(widths) == 1 else 0
