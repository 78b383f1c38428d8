"""The report reads each run once, in a stream, keeping counts: its per-label numbers, confusion
matrix, worst errors and inferred label field are those the whole-run lists gave."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from taskladder.metrics import normalize_text, per_label_breakdown
from taskladder.report import render_report, worst_errors
from taskladder.report.confusion import confusion
from taskladder.report.digest import digest, digest_runs
from taskladder.report.labels import per_label
from taskladder.report.worst import is_wrong, order_key
from taskladder.store import Store
from taskladder.store.records import Record, RunInfo
from taskladder.task import TaskSpec

GOLD = ["billing", "Card", "refund", "3.0", "shipping."]


def _records(run_id: str, n: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    out = []
    ids = rng.sample(range(10**5), n)  # unique, in no order: the store keeps one record per example
    for i in range(n):
        truth = rng.choice(GOLD)
        u = rng.random()
        error, status, pred = None, "ok", None
        if u < 0.05:
            status, error = "error", "HTTP 429"
        elif u < 0.1:
            status = "failed"
        elif u < 0.2:
            pred = {"category": rng.choice(["invented", "Billing!", "card ", 3.0, "refund"])}
        else:
            pred = {"category": truth if rng.random() < 0.7 else rng.choice(GOLD)}
        score = None if pred is None else float(normalize_text(pred["category"]) == normalize_text(truth))
        if score == 0.0 and rng.random() < 0.2:
            score = 0.5
        out.append(
            Record(
                run_id=run_id,
                example_id=f"e{ids[i]:05d}",
                split="dev",
                inputs={"text": f"t{i}"},
                expected={"category": truth},
                prediction=pred,
                raw_text=str(pred),
                parse_status=status,
                error=error,
                score=score,
            )
        )
    return out


def _reference_confusion(records: list[Record], field: str) -> tuple[list[str], list[list[int]], list[int]]:
    """The matrix as the report built it from a whole-run list before it streamed."""
    scored = [r for r in records if r.expected.get(field) is not None]
    names: dict[str, str] = {}
    freq: dict[str, int] = {}
    for r in scored:
        key = normalize_text(r.expected[field])
        names.setdefault(key, str(r.expected[field]))
        freq[key] = freq.get(key, 0) + 1
    for r in scored:
        value = None if r.prediction is None else r.prediction.get(field)
        if value is not None:
            names.setdefault(normalize_text(value), str(value))
    order = sorted(freq, key=lambda k: (-freq[k], names[k])) + sorted(
        (k for k in names if k not in freq), key=lambda k: names[k]
    )
    index = {k: i for i, k in enumerate(order)}
    counts = [[0] * len(order) for _ in order]
    none = [0] * len(order)
    for r in scored:
        value = None if r.prediction is None else r.prediction.get(field)
        g = index[normalize_text(r.expected[field])]
        if value is None:
            none[g] += 1
        else:
            counts[g][index[normalize_text(value)]] += 1
    return [names[k] for k in order], counts, none


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_give_the_whole_list_numbers(seed):
    recs = _records("r", 600, seed)
    expected = per_label_breakdown("category", [r.prediction for r in recs], [r.expected for r in recs])
    got = [s.model_dump() for s in per_label(iter(recs), "category")]
    assert got == [{k: row[k] for k in ("label", "support", "precision", "recall", "f1")} for row in expected]
    matrix = confusion(iter(recs), "category")
    assert matrix is not None
    assert (matrix.labels, matrix.counts, matrix.no_answer) == _reference_confusion(recs, "category")
    assert worst_errors(iter(recs), 25) == sorted((r for r in recs if is_wrong(r)), key=order_key)[:25]
    d = digest(iter(recs), ["category"])
    assert (d.n, d.wrong, d.first_id) == (len(recs), sum(map(is_wrong, recs)), min(r.example_id for r in recs))
    assert d.worst == worst_errors(recs)


def _with_expected(values: list) -> list[Record]:
    return [
        Record(run_id="r", example_id=f"e{i}", split="dev", inputs={}, expected=v, prediction=v)
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    "values, fields",
    [
        ([{"y": "a"}, {"y": "b"}, {"y": "a"}, {"y": "b"}], ["y"]),  # short strings that repeat: a label
        ([{"y": f"v{i}"} for i in range(10)], []),  # every value distinct: free text
        ([{"y": "a"}, {"y": "x" * 81}, {"y": "a"}, {"y": "a"}], []),  # a long value
        ([{"y": "a"}, {}, {"y": "a"}, {"y": "a"}], []),  # an example without it
        ([{"y": "a"}, {"z": "a"}, {"y": "a"}, {"y": "a"}], []),  # two output fields
        ([{"y": 1}, {"y": 1}, {"y": 2}, {"y": 2}], []),  # not strings
        ([{"y": str(i % 201)} for i in range(1000)], []),  # more than 200 labels
    ],
)
def test_label_field_inferred_without_a_spec(values, fields):
    digests = digest_runs([(None, iter(_with_expected(values))), (None, iter(_with_expected(values)))], None)
    assert [list(d.labels) for d in digests] == [fields, fields]


def test_report_reads_each_run_once_from_the_store(tmp_path):
    """One-shot iterators are enough (every run is read once), and a stored run's view gives
    the page the lists gave."""
    spec = TaskSpec(
        name="t", inputs=["text"], outputs={"category": {"type": "label", "labels": GOLD}}, data={"file": "x.csv"}
    )
    store = Store(tmp_path / "s.sqlite")
    runs = []
    for k in range(3):
        info = RunInfo(
            run_id=f"r{k}",
            task="t",
            model=f"m{k}",
            split="dev",
            status="finished",
            pipeline={"kind": "llm"},
            metric="accuracy",
            created_at=1.7e9,
            summary={
                "score": 0.5 + k / 10,
                "ci_low": 0.4,
                "ci_high": 0.8,
                "n": 300,
                "metric": "accuracy",
                "cost_per_1k_calls": 1.0 + k,
            },
        )
        recs = _records(info.run_id, 300, k)
        store.put_records(recs)
        runs.append((info, recs))
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    whole = render_report(runs, task_spec=spec, generated=when)
    assert render_report([(i, iter(r)) for i, r in runs], task_spec=spec, generated=when) == whole
    assert render_report([(i, store.records_of(i.run_id)) for i, _ in runs], task_spec=spec, generated=when) == whole
    assert 'id="labels"' in whole and "invented" in whole and 'id="errors"' in whole
    for info, recs in runs:  # the example whose messages the report shows, found in SQL
        assert store.records_of(info.run_id).first_example_id() == min(r.example_id for r in recs)
