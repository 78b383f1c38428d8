"""The HTML report: self-contained, ordered, escaped, with the sections it promises."""

from __future__ import annotations

import re

import pytest

from taskladder.errors import TaskladderError
from taskladder.report import render_report, write_report
from taskladder.store.records import Record, RunInfo
from taskladder.task import TaskSpec

LABELS = ["billing", "card", "refund"]
TRUTH = ["billing", "card", "refund", "card", "billing", "refund", "card", "card"]
EVIL = "<script>alert('x')</script>"


def _spec() -> TaskSpec:
    return TaskSpec(
        name="ticket-routing", inputs=["text"],
        outputs={"category": {"type": "label", "labels": LABELS}},
        data={"file": "tickets.csv"},
    )


def _records(run_id: str, answers: list[str | None]) -> list[Record]:
    recs = []
    for i, (truth, answer) in enumerate(zip(TRUTH, answers)):
        text = EVIL if i == 1 else f"ticket number {i}"
        failed = answer is None
        recs.append(Record(
            run_id=run_id, example_id=f"ex{i}", split="test", inputs={"text": text},
            expected={"category": truth},
            prediction=None if failed else {"category": answer},
            raw_text="I think it is <b>" + str(answer) + "</b>" if not failed else "no idea",
            parse_status="failed" if failed else "ok",
            parse_error="not one of the labels" if failed else None,
            score=float(answer == truth), cost_usd=0.001, latency_ms=100.0 + i,
        ))
    return recs


def _run(run_id, model, score, low, high, cost, *, rung=None, kind="llm", answers=None, **extra):
    pipeline = {"kind": kind}
    if rung:
        pipeline["rung"] = rung
    summary = {
        "score": score, "ci_low": low, "ci_high": high, "n": len(TRUTH), "metric": "accuracy",
        "parse_failures": 0, "errors": 0, "cost_usd": cost, "cost_usd_spent": cost,
        "cost_per_1k_calls": cost, "latency_p50_ms": 120.0, "latency_p95_ms": 2400.0,
        "calls": 8, "cached_calls": 3, "projected_monthly_usd": None if cost is None else cost * 30,
    } | extra
    info = RunInfo(run_id=run_id, task="ticket-routing", model=model, split="test",
                   pipeline=pipeline, metric="accuracy", status="finished",
                   created_at=1_700_000_000.0, summary=summary)
    return info, _records(run_id, answers or TRUTH)


@pytest.fixture
def runs():
    wrong = ["billing", "refund", None, "card", "card", "refund", "card", "billing"]
    return [
        # Deliberately not in score order.
        _run("r-mid", "gpt-mini", 0.75, 0.41, 0.93, 0.40, rung="zero-shot", answers=wrong),
        _run("r-free", "tfidf-lr", 0.625, 0.30, 0.86, 0.0, kind="baseline"),
        _run("r-top", "gpt-big", 0.875, 0.53, 0.98, 5.0, rung="few-shot"),
        _run("r-unknown", "mystery-llm", 0.70, 0.36, 0.91, None, rung="zero-shot"),
        _run("r-dominated", "gpt-old", 0.60, 0.28, 0.85, 2.0, rung="zero-shot"),
    ]


def test_report_is_one_offline_file(tmp_path, runs):
    out = write_report(runs, tmp_path / "sub" / "report.html", task_spec=_spec())
    assert out.exists()
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower()  # no scripts at all, and the evil input is escaped
    assert "<link" not in html.lower() and "@import" not in html
    assert html.count("<svg") >= 3  # quality/cost plot, ladder plot, interval bars


def test_leaderboard_in_score_order_with_pareto_marks(runs):
    html = render_report(runs, task_spec=_spec())
    board = html[html.index('id="leaderboard"'):html.index('id="quality-cost"')]
    rows = re.findall(r"<tr( class=\"pareto\")?><td class=\"num\">\d+</td><td><b>([^<]+)</b>", board)
    assert [name for _, name in rows] == ["gpt-big", "gpt-mini", "mystery-llm", "tfidf-lr", "gpt-old"]
    pareto = {name for mark, name in rows if mark}
    # Free baseline, cheap mid and expensive top are optimal; unknown cost cannot be judged.
    assert pareto == {"gpt-big", "gpt-mini", "tfidf-lr"}


def test_unknown_cost_is_never_shown_as_zero(runs):
    html = render_report(runs, task_spec=_spec())
    board = html[html.index('id="leaderboard"'):html.index('id="quality-cost"')]
    mystery = board[board.index("mystery-llm"):]
    mystery = mystery[:mystery.index("</tr>")]
    assert mystery.count(">unknown<") == 2 and "$0" not in mystery
    cost = html[html.index('id="quality-cost"'):html.index('id="ladder"')]
    listed = cost[cost.index("Cost unknown"):]
    assert "mystery-llm" in listed and "gpt-big" not in listed
    svg = cost[cost.index("<svg"):cost.index("</svg>")]
    assert "mystery-llm" not in svg and "gpt-big" in svg and "Pareto frontier" in svg


def test_user_text_is_escaped(runs):
    # Only runs that get ex1 (the evil input) wrong, so it appears among the worst errors;
    # the evil model name reaches the tables and the SVG plots too.
    mid, _, _, unknown, _ = runs
    mid[0].model = EVIL
    html = render_report([mid, unknown], task_spec=_spec())
    assert EVIL not in html and "<script" not in html.lower()
    assert html.count("&lt;script&gt;") >= 4
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>card</b>" not in html and "&lt;b&gt;card&lt;/b&gt;" in html


def test_ladder_section_only_with_rungs(runs):
    html = render_report(runs, task_spec=_spec())
    ladder = html[html.index('id="ladder"'):html.index('id="labels"')]
    head = re.findall(r"<th>([^<]+)</th>", ladder)
    assert head == ["model", "zero-shot", "few-shot"]  # ladder order, not appearance order
    no_rungs = [_run("b", "tfidf-lr", 0.6, 0.3, 0.8, 0.0, kind="baseline")]
    assert 'id="ladder"' not in render_report(no_rungs, task_spec=_spec())


def test_per_label_table_matches_the_records(runs):
    html = render_report(runs, task_spec=_spec())
    labels = html[html.index('id="labels"'):html.index('id="errors"')]
    assert labels.count("<details") == len(runs) and labels.count("<details open") == 1
    best = labels[:labels.index("</details>")]
    assert "gpt-big" in best
    # gpt-big answers TRUTH exactly: every label row reads 1.000 across.
    for label, support in (("card", 4), ("billing", 2), ("refund", 2)):
        assert re.search(
            rf"<td>{label}</td><td class=\"num\">{support}</td>(<td class=\"num\">1.000</td>){{3}}", best
        )
    mid = labels[labels.index("gpt-mini"):]
    # gpt-mini on refund: 2 true, 1 right (the other a parse failure), 2 predicted -> P .5 R .5
    assert re.search(r"<td>refund</td><td class=\"num\">2</td>(<td class=\"num\">0.500</td>){3}", mid)


def test_worst_errors_put_parse_failures_first(runs):
    runs = [_run("only", "gpt-mini", 0.5, 0.2, 0.8, 0.4,
                 answers=["billing", "refund", None, "card", "card", "refund", "card", "billing"])]
    html = render_report(runs, task_spec=_spec())
    errors = html[html.index('id="errors"'):]
    shown = re.findall(r"<h3>example (ex\d+) ", errors)
    assert shown[0] == "ex2"  # the parse failure
    assert sorted(shown) == ["ex1", "ex2", "ex4", "ex7"]
    assert "not one of the labels" in errors


def test_long_raw_text_is_folded():
    info, recs = _run("r", "m", 0.0, 0.0, 0.3, 1.0, answers=["x"] * len(TRUTH))
    recs[0].raw_text = "y" * 5000
    html = render_report([(info, recs)], task_spec=_spec())
    assert "show all 5,000 characters" in html and "y" * 5000 in html


def test_arena_renders_only_when_given(runs):
    assert 'id="arena"' not in render_report(runs, task_spec=_spec())
    arena = [{"name": "low", "rating": 950.0, "ci_low": 900.0, "ci_high": 1000.0},
             {"name": "high<i>", "rating": 1100.0, "ci_low": 1050.0, "ci_high": 1150.0}]
    html = render_report(runs, task_spec=_spec(), arena=arena)
    section = html[html.index('id="arena"'):]
    assert section.index("high&lt;i&gt;") < section.index(">low<")


def test_label_section_inferred_without_spec_and_skipped_for_text(runs):
    html = render_report(runs)
    assert 'id="labels"' in html
    info, recs = runs[0]
    for i, r in enumerate(recs):
        r.expected = {"answer": f"free text answer number {i}"}
    assert 'id="labels"' not in render_report([(info, recs)])


def test_no_runs_is_a_user_error(tmp_path):
    with pytest.raises(TaskladderError, match="no runs"):
        write_report([], tmp_path / "r.html")


def test_sparse_summaries_still_render():
    """Unfinished runs (empty summary, no records) and all-free/all-unknown costs."""
    empty = (RunInfo(run_id="e", task="t", model="crashed", split="dev"), [])
    free = _run("f", "knn-copy", 0.5, 0.2, 0.8, 0.0, kind="baseline")
    html = render_report([empty, free], task_spec=_spec())
    board = html[html.index('id="leaderboard"'):html.index('id="quality-cost"')]
    assert board.index("knn-copy") < board.index("crashed")  # unscored runs last
    assert "<svg" in html[html.index('id="quality-cost"'):]
    unknown_only = render_report([_run("u", "m", 0.5, 0.2, 0.8, None)], task_spec=_spec())
    assert "No run has both a score and a known cost" in unknown_only
