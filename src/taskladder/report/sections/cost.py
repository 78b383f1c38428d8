"""Quality against cost, with the Pareto frontier; unknown-price runs listed below."""

from __future__ import annotations

from ..fmt import esc, interval, score
from ..markup import section
from ..plots import quality_cost_svg
from ..rows import LeaderRow


def cost_html(rows: list[LeaderRow]) -> str:
    svg = quality_cost_svg(rows)
    parts = [
        '<p class="muted">Up and to the left is better. Bars are 95% intervals; the dashed '
        "step line is the Pareto frontier (circled runs). Runs that cost nothing (baselines) "
        "sit at <i>free</i>.</p>"
    ]
    parts.append(
        f'<div class="plot">{svg}</div>' if svg
        else '<p class="muted">No run has both a score and a known cost.</p>'
    )
    unknown = [r for r in rows if r.cost_per_1k is None]
    if unknown:
        items = "".join(
            f"<li><b>{esc(r.label)}</b>: {score(r.score)} "
            f'<span class="ci">{interval(r.ci_low, r.ci_high)}</span></li>'
            for r in unknown
        )
        parts.append(
            '<h3>Cost unknown</h3><p class="muted">Not plotted: their price is unknown, and '
            f"drawing them at $0 would pass them off as free. Add a price to place them.</p><ul>{items}</ul>"
        )
    return section("quality-cost", "Quality vs cost", "".join(parts))
