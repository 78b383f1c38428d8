"""What the climb decided: the recommendation, its test score, the budget, and every rung
that did not run, with the reason (models that could not be called show their estimate)."""

from __future__ import annotations

from ..climb_view import ClimbView, RungView
from ..fmt import esc, interval, is_num, score, usd
from ..markup import section, table, td, th

# Statuses of a model that could not be called at all: its rows carry estimates, not runs.
NO_CALL = ("no-access",)


def _money(value: float | None) -> str:
    text = usd(value)
    return f'<span class="unknown">{text}</span>' if not is_num(value) else esc(text)


def _recommendation(c: ClimbView) -> str:
    rec = c.recommendation
    if not rec:
        return ('<p class="verdict"><b>No recommendation</b>: no rung produced a score '
                "(see the rungs that did not run below).</p>")
    name = f"{rec.get('model', '?')} · {rec.get('rung', '?')}"
    return (
        f'<p class="verdict">Recommended: <b>{esc(name)}</b> — score {score(rec.get("score"))} '
        f'<span class="ci">{interval(rec.get("ci_low"), rec.get("ci_high"))}</span> on {esc(c.split or "dev")}, '
        f"{_money(rec.get('cost_per_1k_calls'))} per 1k calls, {_money(rec.get('projected_monthly_usd'))}/month. "
        '<span class="muted">The cheapest pipeline not significantly worse than the best.</span></p>'
    )


def _test(c: ClimbView) -> str:
    t = c.test
    if not c.recommendation:
        return ""
    if not t:
        return ('<p><b>Test split</b>: not confirmed (the climb ran with <code>--no-test</code>, or the '
                "task has no test split).</p>")
    if t.get("status") != "ran":
        return f'<p><b>Test split</b>: <span class="err">confirmation not run</span>: {esc(t.get("reason") or "")}</p>'
    n = t.get("n")
    return (
        f"<p><b>Confirmed on test</b>: score {score(t.get('score'))} "
        f'<span class="ci">{interval(t.get("ci_low"), t.get("ci_high"))}</span>'
        + (f" on {int(n)} examples" if is_num(n) else "")
        + (f" (run <code>{esc(t['run_id'])}</code>)" if t.get("run_id") else "") + ".</p>"
    )


def _budget(c: ClimbView) -> str:
    # To the hundredth of a cent, as `climb` prints it: a small spend must not round to $0.
    spent = f"${c.spent_usd:,.4f}" if is_num(c.spent_usd) else _money(None)
    cap = f" of a {_money(c.budget_usd)} budget" if c.budget_usd is not None else " (no budget cap)"
    return f"<p><b>Spent this climb</b>: {spent}{cap}.</p>"


def _rerun(c: ClimbView) -> str:
    if c.rerun_command:
        return f"<p><b>Rerun the recommendation</b>:</p><pre>{esc(c.rerun_command)}</pre>"
    if c.pipeline_path:
        return f"<p><b>Pipeline spec</b>: <code>{esc(c.pipeline_path)}</code></p>"
    return ""


def _uncallable(rows: list[RungView]) -> str:
    if not rows:
        return ""
    head = [th("model"), th("rung"), th("why not called"),
            th("est. cost", num=True, title="what this rung would cost on the climb's split (typical answers)"),
            th("at most", num=True, title="the worst-case bound the budget would reserve"),
            th("$ / 1k calls", num=True, title="projected cost of 1,000 answers"),
            th("monthly", num=True, title="projected monthly cost at the task's volume")]
    body = [("", [td(f"<b>{esc(r.model)}</b>"), td(esc(r.rung)), td(esc(r.why or r.status)),
                  td(_money(r.estimated_cost_usd), num=True), td(_money(r.max_cost_usd), num=True),
                  td(_money(r.cost_per_1k_calls), num=True), td(_money(r.projected_monthly_usd), num=True)])
            for r in rows]
    return ('<h3>Models that could not be called</h3><p class="muted">Estimates from the exact prompts '
            "each rung would send; no score, since nothing was called.</p>" + table(head, body, cls="uncallable"))


def _not_run(rows: list[RungView]) -> str:
    if not rows:
        return ""
    head = [th("model"), th("rung"), th("status"), th("reason"), th("est. cost", num=True),
            th("at most", num=True)]
    body = [("", [td(f"<b>{esc(r.model)}</b>"), td(esc(r.rung)), td(esc(r.status)),
                  td(esc(r.why) if r.why else '<span class="muted">—</span>'),
                  td(_money(r.estimated_cost_usd), num=True), td(_money(r.max_cost_usd), num=True)])
            for r in rows]
    return "<h3>Rungs skipped or stopped</h3>" + table(head, body, cls="not-run")


def decision_html(climb: ClimbView | None) -> str:
    if climb is None:
        return ""
    uncallable = [r for r in climb.rungs if r.status in NO_CALL]
    not_run = [r for r in climb.rungs if r.status != "ran" and r.status not in NO_CALL]
    body = (_recommendation(climb) + _test(climb) + _budget(climb) + _rerun(climb)
            + _uncallable(uncallable) + _not_run(not_run))
    return section("decision", "What the climb decided", body)
