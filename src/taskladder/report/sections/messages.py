"""The exact messages each run sent for one example, every run folded."""

from __future__ import annotations

from ..fmt import esc, show
from ..markup import long_text, section
from ..plans import RunMessages
from ..rows import LeaderRow


def _plan_html(m: RunMessages) -> str:
    parts = [f'<p class="muted">{esc(m.note)}</p>'] if m.note else []
    plan = m.plan
    if plan is None:
        return "".join(parts)
    parts.append(f"<p>Example <code>{esc(plan.example_id)}</code>.</p>")
    if plan.blocked:
        parts.append(f'<p class="err">The input guard blocks it: {esc(plan.blocked)}; no call goes out.</p>')
    for i, call in enumerate(plan.calls, 1):
        params = ", ".join(f"{k}={show(v)}" for k, v in sorted(call.params.items()))
        parts.append(f'<div class="lbl">call {i} of {len(plan.calls)} · sample {call.sample_index} · '
                     f"{esc(params)}</div>")
        for message in call.messages:
            parts.append(f'<div class="field">{esc(message.get("role", ""))}</div>'
                         f"{long_text(str(message.get('content', '')), 2000)}")
    if plan.judge_calls_follow:
        parts.append(f'<p class="muted">Then the judge <b>{esc(plan.judge or "")}</b> compares the samples; '
                     "its prompts hold their answers.</p>")
    return "".join(parts)


def messages_html(rows: list[LeaderRow], messages: dict[str, RunMessages] | None) -> str:
    if not messages:
        return ""
    parts = [f"<details><summary><b>{esc(row.label)}</b></summary>{_plan_html(messages[row.run_id])}</details>"
             for row in rows if row.run_id in messages]
    if not parts:
        return ""
    note = ('<p class="muted">What each run sends for one example, rebuilt with the pipeline\'s own '
            "<code>plan(example)</code>: the same messages and parameters, nothing called.</p>")
    return section("messages", "Messages sent", note + "".join(parts))
