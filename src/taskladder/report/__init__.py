"""The self-contained HTML report: leaderboard, quality vs cost, ladder, labels, errors.

One file that opens offline: inline CSS, plots as inline SVG, no scripts.
"""

from .labels import LabelStats, per_label
from .pareto import pareto_frontier
from .render import render_report, write_report
from .rows import LeaderRow, leaderboard
from .worst import worst_errors

__all__ = [
    "render_report", "write_report", "pareto_frontier", "leaderboard", "LeaderRow",
    "per_label", "LabelStats", "worst_errors",
]
