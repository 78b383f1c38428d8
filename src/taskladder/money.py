"""Money as every command and the report print it: enough digits to be right.

A price or spend below a dollar keeps at least two significant digits and four decimals
("$0.0027 of $0.0050", "$0.000012"), never rounded to "$0.00"; a dollar or more shows
cents. ``None`` is an unknown price, never $0.
"""

from __future__ import annotations

import math

UNKNOWN = "unknown"


def usd(value: float | None) -> str:
    """``value`` dollars as text: "$0", "$0.0027", "$3.52", "$1,204.10"; ``None`` is "unknown"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN
    if value == 0:
        return "$0"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1:
        return f"{sign}${size:,.2f}"
    decimals = max(4, 1 - math.floor(math.log10(size)))  # two significant digits at least
    return f"{sign}${size:.{decimals}f}"
