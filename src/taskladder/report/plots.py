"""The two matplotlib figures, returned as inline SVG text."""

from __future__ import annotations

import math

from .annotate import place_labels
from .fmt import usd
from .ladder import ladder_grid
from .rows import LeaderRow
from .svg import figure_svg, new_figure

_LLM = "#2563eb"
_BASELINE = "#16a34a"
_FRONTIER = "#dc2626"


def _yerr(rows: list[LeaderRow]) -> list[list[float]]:
    low = [max(0.0, (r.score or 0) - r.ci_low) if r.ci_low is not None else 0.0 for r in rows]
    high = [max(0.0, r.ci_high - (r.score or 0)) if r.ci_high is not None else 0.0 for r in rows]
    return [low, high]


def _cost_ticks(linthresh: float, right: float) -> list[float]:
    """0 ("free"), then decades from the cheapest paid run up; ticks inside the linear
    stretch below it would crowd the "free" label."""
    ticks = [0.0]
    k = math.floor(math.log10(linthresh))
    while 10**k <= right:
        if 10**k >= linthresh * 0.999:
            ticks.append(10.0**k)
        k += 1
    if len(ticks) < 3:
        ticks.insert(1, linthresh)
    return ticks


def quality_cost_svg(rows: list[LeaderRow]) -> str | None:
    """Score against cost per 1k calls, with intervals and the Pareto frontier.

    Baselines cost exactly 0, which a log axis cannot show, so the x axis is symlog: linear
    up to the cheapest paid run, logarithmic above, with 0 labelled "free". Rows with an
    unknown price are not plotted (the caller lists them), never drawn at 0.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    pts = [r for r in rows if r.score is not None and r.cost_per_1k is not None]
    if not pts:
        return None
    paid = [r.cost_per_1k for r in pts if r.cost_per_1k and r.cost_per_1k > 0]
    linthresh = min(paid) if paid else 1.0
    right = max(paid) * 4 if paid else 10.0

    fig = new_figure(7.8, 4.6)
    ax = fig.add_subplot()
    ax.set_xscale("symlog", linthresh=linthresh, linscale=0.6)
    for kind, color in (("baseline", _BASELINE), ("llm", _LLM)):
        group = [r for r in pts if (r.kind == "baseline") == (kind == "baseline")]
        if not group:
            continue
        ax.errorbar(
            [r.cost_per_1k for r in group], [r.score for r in group], yerr=_yerr(group),
            fmt="o", color=color, ecolor=color, elinewidth=1.2, capsize=3, markersize=6,
            alpha=0.9, label="baseline (no API)" if kind == "baseline" else "LLM pipeline",
        )
    front = sorted((r for r in pts if r.pareto), key=lambda r: (r.cost_per_1k, r.score))
    if front:
        xs = [r.cost_per_1k for r in front] + [right]
        ys = [r.score for r in front] + [front[-1].score]
        ax.plot(xs, ys, drawstyle="steps-post", color=_FRONTIER, linewidth=1.5,
                linestyle="--", label="Pareto frontier", zorder=1)
        ax.scatter([r.cost_per_1k for r in front], [r.score for r in front], s=120,
                   facecolors="none", edgecolors=_FRONTIER, linewidths=1.5, zorder=3)
    ax.set_xlim(-linthresh * 0.4, right)
    ax.xaxis.set_major_locator(FixedLocator(_cost_ticks(linthresh, right)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "free" if v == 0 else usd(v)))
    ax.set_ylim(*ax.get_ylim())  # settle autoscaling before labels are placed in axes fractions
    place_labels(ax, [(r.cost_per_1k, r.score, r.label) for r in pts if r.cost_per_1k is not None and r.score is not None])
    ax.set_xlabel("cost per 1k calls (USD; symlog axis, 0 = free)")
    metric = next((r.metric for r in pts if r.metric), "score")
    ax.set_ylabel(f"{metric} (95% interval)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return figure_svg(fig, salt="quality-cost")


def ladder_svg(rows: list[LeaderRow]) -> str | None:
    """One line per model across the rungs it ran, rungs in ladder order."""
    rungs, models, cells = ladder_grid(rows)
    if not rungs:
        return None
    fig = new_figure(7.8, 4.2)
    ax = fig.add_subplot()
    n = max(1, len(models))
    for k, model in enumerate(models):
        ladder = [(i, cells[(model, r)]) for i, r in enumerate(rungs) if (model, r) in cells]
        ladder = [(i, c) for i, c in ladder if c.score is not None]
        if not ladder:
            continue
        # A small sideways shift per model keeps overlapping error bars apart.
        shift = (k - (n - 1) / 2) * min(0.08, 0.4 / n)
        ax.errorbar(
            [i + shift for i, _ in ladder], [c.score for _, c in ladder],
            yerr=_yerr([c for _, c in ladder]), marker="o", capsize=3, linewidth=1.5,
            markersize=5, label=model,
        )
    ax.set_xticks(range(len(rungs)), rungs)
    ax.set_xlim(-0.5, len(rungs) - 0.5)
    metric = next((r.metric for r in rows if r.metric), "score")
    ax.set_ylabel(f"{metric} (95% interval)")
    ax.set_xlabel("rung (cheapest first)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="best")
    return figure_svg(fig, salt="ladder")
