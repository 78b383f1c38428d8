"""Score per rung for each model: does each rung pay for itself?"""

from __future__ import annotations

from ..fmt import esc, interval, score, usd
from ..ladder import ladder_grid
from ..markup import section, table, td, th
from ..plots import ladder_svg
from ..rows import LeaderRow


def ladder_html(rows: list[LeaderRow]) -> str:
    rungs, models, cells = ladder_grid(rows)
    if not rungs:
        return ""
    svg = ladder_svg(rows)
    head = [th("model")] + [th(r) for r in rungs]
    body = []
    for model in models:
        tds = [td(f"<b>{esc(model)}</b>")]
        for rung in rungs:
            c = cells.get((model, rung))
            if c is None:
                tds.append(td('<span class="muted">—</span>'))
                continue
            cost = usd(c.cost_per_1k)
            cost_html = f'<span class="unknown">{cost}</span>' if c.cost_per_1k is None else esc(cost)
            tds.append(td(
                f"{score(c.score)} <span class=\"ci\">{interval(c.ci_low, c.ci_high)}</span>"
                f"<br><span class=\"muted\">{cost_html} / 1k calls</span>"
            ))
        body.append(("", tds))
    note = (
        '<p class="muted">Rungs left to right, cheapest first. A rung pays for itself when its '
        "interval sits clearly above the previous rung's at a cost you accept.</p>"
    )
    plot = f'<div class="plot">{svg}</div>' if svg else ""
    return section("ladder", "Ladder", note + plot + table(head, body, cls="ladder"))
