"""Per-label precision/recall/F1 and a confusion matrix: the best run open, every other run folded."""

from __future__ import annotations

from ..confusion import MAX_CLASSES, Confusion, confusion_of
from ..digest import RunDigest
from ..fmt import esc
from ..labels import LabelStats, stats_of
from ..markup import section, table, td, th
from ..rows import LeaderRow


def _table(stats: list[LabelStats]) -> str:
    head = [th("label"), th("support", num=True), th("precision", num=True),
            th("recall", num=True), th("F1", num=True)]
    body = [
        ("", [td(esc(s.label)), td(str(s.support), num=True), td(f"{s.precision:.3f}", num=True),
              td(f"{s.recall:.3f}", num=True), td(f"{s.f1:.3f}", num=True)])
        for s in stats
    ]
    used = [s for s in stats if s.support > 0]
    if used:
        macro = [sum(getattr(s, k) for s in used) / len(used) for k in ("precision", "recall", "f1")]
        body.append(("", [td("<i>macro average</i>"), td(str(sum(s.support for s in used)), num=True)]
                     + [td(f"<i>{m:.3f}</i>", num=True) for m in macro]))
    return table(head, body, cls="labels")


def _confusion_table(c: Confusion) -> str:
    """Rows: the expected label; columns: what the model answered. The diagonal is right."""
    if len(c.labels) > MAX_CLASSES:
        return (f'<p class="muted">Confusion matrix left out: {len(c.labels)} classes are too many to read; '
                "the table above has each label's numbers.</p>")
    head = [th("expected ↓ / answered →")] + [th(label, num=True) for label in c.labels] + [
        th("no answer", num=True, title="the answer could not be read, or the call failed")]
    body = []
    for g, label in enumerate(c.labels):
        if not sum(c.counts[g]) + c.no_answer[g]:
            continue  # a label only ever predicted: its column says it, a row of zeros does not
        cells = [th(label)]
        for p, n in enumerate(c.counts[g]):
            cls = "hit" if p == g and n else "miss" if n else ""
            cells.append(f'<td class="num {cls}">{n}</td>' if cls else td(str(n), num=True))
        missing = c.no_answer[g]
        cells.append(f'<td class="num miss">{missing}</td>' if missing else td("0", num=True))
        body.append(("", cells))
    return "<div class=\"lbl\">confusion matrix</div>" + table(head, body, cls="confusion")


def labels_html(rows: list[tuple[LeaderRow, RunDigest]]) -> str:
    """``rows``: each run's digest, best first; its label fields as ``digest_runs`` chose them."""
    scored = [(row, d) for row, d in rows if d.n]
    if not scored:
        return ""
    fields = list(scored[0][1].labels)
    if not fields:
        return ""
    parts = []
    for field in fields:
        if len(fields) > 1:
            parts.append(f"<h3>Field <code>{esc(field)}</code></h3>")
        for i, (row, d) in enumerate(scored):
            counts = d.labels.get(field)
            stats = stats_of(counts) if counts is not None else []
            if not stats:
                continue
            title = f"<b>{esc(row.label)}</b>" + (" (best run)" if i == 0 else "")
            opened = " open" if i == 0 else ""
            matrix = confusion_of(counts) if counts is not None else None
            extra = _confusion_table(matrix) if matrix is not None else ""
            parts.append(f"<details{opened}><summary>{title}</summary>{_table(stats)}{extra}</details>")
    if not parts:
        return ""
    note = (
        '<p class="muted">Support = examples with that expected label. Missing answers lower '
        "recall and count toward no label's precision; labels a model invented show with "
        "support 0. Macro average over labels with support. The confusion matrix counts each expected "
        "label (rows) against what was answered (columns); the diagonal is right.</p>"
    )
    return section("labels", "Per-label breakdown", note + "".join(parts))
