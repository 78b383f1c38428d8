"""Is run B really better than run A? A paired test on the examples both answered."""

from __future__ import annotations

from typing import Literal

from ..errors import TaskladderError
from ..metrics import CompareResult, compare_auto, get_metric, paired_compare
from ..store import Record, RunInfo
from ..task.spec import TaskSpec
from .kernel import RunResult


def compare_runs(a: RunResult, b: RunResult, *, method: Literal["auto", "bootstrap", "mcnemar"] = "auto",
                 force: bool = False) -> CompareResult:
    """B − A on the shared examples, with a 95% interval and p-value (``auto``: McNemar for
    0/1 scores, a paired bootstrap otherwise; or ``bootstrap`` / ``mcnemar``).
    Runs on different splits are refused unless ``force`` (see ``split_mismatch``)."""
    return compare_records(a.run, list(a.records), b.run, list(b.records), method=method, force=force)


def split_mismatch(a: RunInfo, b: RunInfo) -> str | None:
    """Why comparing ``a`` and ``b`` would mislead, when they ran on different splits.

    Examples shared across splits are leaks (the same input in dev and test), so a p-value on
    them says nothing about either run; the message says what would really be compared.
    """
    if a.split == b.split:
        return None
    return (f"run {a.run_id} ran on the '{a.split}' split and run {b.run_id} on '{b.split}': "
            f"a paired test would compare only the examples the two splits share")


def compare_records(a: RunInfo, records_a: list[Record], b: RunInfo, records_b: list[Record], *,
                    method: Literal["auto", "bootstrap", "mcnemar"] = "auto", force: bool = False) -> CompareResult:
    if a.task != b.task:
        raise TaskladderError(f"runs belong to different tasks ('{a.task}' vs '{b.task}'); compare runs of one task")
    mismatch = split_mismatch(a, b)
    if mismatch and not force:
        raise TaskladderError(f"{mismatch}; evaluate both on one split, or pass --force to compare them anyway")
    ra = {r.example_id: r for r in records_a}
    rb = {r.example_id: r for r in records_b}
    shared = [k for k in ra if k in rb]
    if not shared:
        raise TaskladderError("the two runs share no examples; evaluate both on the same split")
    if not a.task_spec:
        raise TaskladderError(f"run {a.run_id} has no stored task spec; rerun it with this version")
    metric = get_metric(a.summary.metric or a.metric, TaskSpec.model_validate(a.task_spec))
    pa, pb = [ra[k].prediction for k in shared], [rb[k].prediction for k in shared]
    expected = [ra[k].expected for k in shared]
    if method == "auto":
        return compare_auto(metric, pa, pb, expected)
    return paired_compare(metric, pa, pb, expected, method=method)
