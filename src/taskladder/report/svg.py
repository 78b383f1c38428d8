"""Inline SVG: tiny hand-drawn interval bars, and matplotlib figures as SVG text.

matplotlib is imported inside the functions so ``import taskladder`` stays cheap.
"""

from __future__ import annotations

import io
import re
from typing import Any

from .fmt import is_num

_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
# The metadata block only carries creator/date with external RDF vocabulary URLs.
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def interval_bar(
    value: float | None, low: float | None, high: float | None, lo: float, hi: float,
    *, width: int = 110, height: int = 14,
) -> str:
    """A small bar: the interval as a line, the score as a dot, on the axis ``[lo, hi]``."""
    if value is None or not is_num(value) or hi <= lo:
        return ""

    def x(v: float) -> float:
        return 4 + (width - 8) * (min(max(v, lo), hi) - lo) / (hi - lo)

    mid = height / 2
    parts = [
        f'<svg class="ibar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="interval">',
        f'<line x1="4" y1="{mid}" x2="{width - 4}" y2="{mid}" class="axis"/>',
    ]
    if is_num(low) and is_num(high):
        parts.append(
            f'<line x1="{x(low):.1f}" y1="{mid}" x2="{x(high):.1f}" y2="{mid}" class="ci"/>'
        )
    parts.append(f'<circle cx="{x(value):.1f}" cy="{mid}" r="3.2" class="pt"/>')
    parts.append("</svg>")
    return "".join(parts)


def axis_range(values: list[float | None]) -> tuple[float, float]:
    """[0, 1] when every value is a fraction (the usual metric), else the data's span."""
    nums = [float(v) for v in values if is_num(v)]
    if not nums or (min(nums) >= 0 and max(nums) <= 1):
        return 0.0, 1.0
    lo, hi = min(nums), max(nums)
    pad = (hi - lo) * 0.05 or 1.0
    return lo - pad, hi + pad


def new_figure(width: float, height: float) -> Any:
    """A figure bound to the Agg canvas, without pyplot's global figure registry."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_svg(fig: Any, salt: str) -> str:
    """The figure as an inline ``<svg>`` element.

    Text stays text (``svg.fonttype=none``) so it is small, selectable and uses the
    reader's fonts. ``salt`` makes element ids differ between figures inlined into the
    same page (identical ids would make one figure clip with the other's paths) and
    keeps them stable between runs.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue()))
    return svg.strip()
