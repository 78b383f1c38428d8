"""The leaderboard table (runs by score) and the optional arena table (by rating)."""

from __future__ import annotations

from typing import Any

from ..fmt import count, esc, interval, is_num, ms, score, usd
from ..markup import section, table, td, th
from ..rows import LeaderRow
from ..svg import axis_range, interval_bar


def _money(value: float | None) -> str:
    text = usd(value)
    return f'<span class="unknown">{text}</span>' if value is None else esc(text)


def _name(row: LeaderRow) -> str:
    html = f"<b>{esc(row.model)}</b>"
    if row.rung and row.rung != "baseline":  # a baseline's rung is its kind: one badge says it
        html += f' <span class="badge rung">{esc(row.rung)}</span>'
    if row.kind == "baseline":
        html += ' <span class="badge baseline">baseline</span>'
    if row.status != "finished":  # failed (too many errors), or never finished: not a result to act on
        cls = "failed" if row.failed else "rung"
        html += f' <span class="badge {cls}" title="run status">{esc(row.status)}</span>'
    if row.gold_patches:
        html += (f' <span class="badge rung" title="expected outputs corrected or marked ambiguous in '
                 f'taskladder view">{row.gold_patches} gold patch{"es" if row.gold_patches != 1 else ""}</span>')
    if row.pareto:
        html += (
            ' <span class="badge pareto" title="no other run has both a higher score and a '
            'lower cost">Pareto</span>'
        )
    return html


def _cached(row: LeaderRow) -> str:
    if row.cached_calls is None:
        return "—"
    return f"{row.cached_calls} / {row.calls}" if row.calls is not None else str(row.cached_calls)


def leaderboard_html(rows: list[LeaderRow]) -> str:
    lo, hi = axis_range([v for r in rows for v in (r.score, r.ci_low, r.ci_high)])
    head = [
        th("#", num=True), th("model / rung"), th("score [95% CI]", num=True), th("interval"),
        th("n", num=True, title="examples scored"),
        th("$ / 1k calls", num=True, title="cost of 1,000 answers at list price"),
        th("monthly", num=True, title="projected monthly cost at the task's expected volume"),
        th("p50", num=True, title="median latency per example"),
        th("p95", num=True, title="95th percentile latency per example"),
        th("parse fail", num=True, title="answers that could not be parsed"),
        th("errors", num=True, title="calls that failed after retries"),
        th("cached", num=True, title="cached calls / all calls"),
    ]
    body = []
    for rank, r in enumerate(rows, 1):
        cells = [
            td(str(rank), num=True), td(_name(r)),
            td(f'{score(r.score)} <span class="ci">{interval(r.ci_low, r.ci_high)}</span>', num=True),
            td(interval_bar(r.score, r.ci_low, r.ci_high, lo, hi)),
            td(count(r.n), num=True), td(_money(r.cost_per_1k), num=True),
            td(_money(r.projected_monthly), num=True),
            td(ms(r.latency_p50_ms), num=True), td(ms(r.latency_p95_ms), num=True),
            td(count(r.parse_failures), num=True), td(count(r.errors), num=True),
            td(_cached(r), num=True),
        ]
        body.append(("failed" if r.failed else "pareto" if r.pareto else "", cells))
    board = f'<div class="scroll">{table(head, body, cls="leaderboard")}</div>'
    return section("leaderboard", "Leaderboard", board)


def arena_html(arena: list[dict[str, Any]] | None) -> str:
    """Pairwise-comparison ratings (Bradley–Terry / Elo), highest first."""
    if not arena:
        return ""
    entries = sorted(
        arena, key=lambda a: -(a["rating"] if is_num(a.get("rating")) else float("-inf"))
    )
    nums = [e.get(k) for e in entries for k in ("rating", "ci_low", "ci_high")]
    lo, hi = axis_range(nums)
    head = [th("#", num=True), th("name"), th("rating", num=True), th("95% interval"), th("")]
    body = []
    for rank, e in enumerate(entries, 1):
        rating, low, high = e.get("rating"), e.get("ci_low"), e.get("ci_high")
        span = f"[{low:.1f}, {high:.1f}]" if is_num(low) and is_num(high) else ""
        cells = [
            td(str(rank), num=True), td(f"<b>{esc(e.get('name', ''))}</b>"),
            td(f"{rating:.1f}" if is_num(rating) else "—", num=True),
            td(f'<span class="ci">{span}</span>'),
            td(interval_bar(rating, low, high, lo, hi)),
        ]
        body.append(("", cells))
    note = (
        '<p class="muted">Ratings from pairwise comparisons (each pair judged in both orders); '
        "overlapping intervals mean the order is not settled.</p>"
    )
    return section("arena", "Arena (pairwise ratings)", note + table(head, body, cls="arena"))
