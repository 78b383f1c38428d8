"""Point labels that avoid each other, without a layout dependency.

Each label tries a few spots around its point and takes the first that does not overlap
a label already placed. Positions are estimated in axes fractions (text width from the
character count), which is close enough for a handful of short labels.
"""

from __future__ import annotations

from typing import Any

_OFFSETS = [(6, 5), (6, -13), (-6, 5), (-6, -13), (6, 16), (6, -24)]  # points


def place_labels(ax: Any, points: list[tuple[float, float, str]], fontsize: float = 8) -> None:
    fig_w, fig_h = ax.figure.get_size_inches() * 72  # points
    # Constrained layout has not run yet; the axes take roughly 85% of the figure.
    ax_w, ax_h = fig_w * 0.85, fig_h * 0.8
    to_axes = ax.transScale + ax.transLimits
    # Markers count as taken space too, so a label never sits on another run's point.
    rx, ry = 6 / ax_w, 6 / ax_h
    placed: list[tuple[float, float, float, float]] = []
    for x, y, _ in points:
        px, py = to_axes.transform((x, y))
        placed.append((px - rx, py - ry, px + rx, py + ry))
    for x, y, text in sorted(points, key=lambda p: (p[0], -p[1])):
        fx, fy = to_axes.transform((x, y))
        w, h = len(text) * fontsize * 0.55 / ax_w, fontsize * 1.2 / ax_h
        choice = _OFFSETS[0]
        for dx, dy in _OFFSETS:
            left = fx + dx / ax_w - (w if dx < 0 else 0)
            bottom = fy + dy / ax_h
            box = (left, bottom, left + w, bottom + h)
            inside = box[0] >= 0 and box[2] <= 1.02 and box[1] >= 0 and box[3] <= 1
            if inside and not any(_overlap(box, other) for other in placed):
                choice = (dx, dy)
                break
        else:
            left, bottom = fx + choice[0] / ax_w, fy + choice[1] / ax_h
            box = (left, bottom, left + w, bottom + h)
        placed.append(box)
        ax.annotate(
            text, (x, y), xytext=choice, textcoords="offset points", fontsize=fontsize,
            color="#374151", ha="right" if choice[0] < 0 else "left",
        )


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
