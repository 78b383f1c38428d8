"""The optimize rung: opt-in (a default climb is unchanged), and when named it climbs with a share
of the budget and leaves the winner's pipeline as its row."""

from __future__ import annotations

import pytest
from helpers import write_task
from test_optimize import MODELS, rows

from taskladder.ladder import LadderOptions, climb
from taskladder.ladder.rungs import rung_names
from taskladder.store import Store
from taskladder.task import load_task


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "task", rows(60), name="tickets", split={"dev": 0.25, "test": 0.25, "seed": 0}))


def test_optimize_is_a_selectable_rung_that_a_default_climb_skips(task, tmp_path):
    assert "optimize" in rung_names(selectable=True)
    result = climb(task, ["bot"], MODELS, budget_usd=1.0, options=LadderOptions(shots=3, rungs=None, cascade=False),
                   store=Store(tmp_path / "a.db"), baselines=[], progress=False, confirm_on_test=False)
    assert "optimize" not in {r.rung for r in result.rungs}


def test_named_optimize_rung_runs_the_search_within_the_budget(task, tmp_path):
    store = Store(tmp_path / "b.db")
    result = climb(task, ["bot"], MODELS, budget_usd=1.0,
                   options=LadderOptions(shots=3, rungs=("zero-shot", "optimize"), cascade=False),
                   store=store, baselines=[], progress=False, confirm_on_test=False)
    rows_ = {r.rung: r for r in result.rungs}
    assert rows_["optimize"].status == "ran", rows_["optimize"]
    assert rows_["optimize"].pipeline["rung"] == "optimize"
    assert rows_["optimize"].score >= rows_["zero-shot"].score
    assert result.spent_usd <= 1.0


def test_climb_report_shows_the_optimize_rungs_prompt_search(task, tmp_path):
    from taskladder.report import render_report

    store = Store(tmp_path / "c.db")
    result = climb(task, ["bot"], MODELS, budget_usd=1.0,
                   options=LadderOptions(shots=3, rungs=("zero-shot", "optimize"), cascade=False),
                   store=store, baselines=[], progress=False, confirm_on_test=False)
    assert len(result.prompt_search) == 1 and result.prompt_search[0]["trajectory"]
    runs = [(r, store.get_records(r.run_id)) for r in (store.get_run(i) for i in result.run_ids) if r is not None]
    html = render_report(runs, task_spec=task.spec, climb=result.model_dump())
    assert '<section id="prompt-search">' in html and "<svg" in html.split('id="prompt-search"')[1]
    assert result.prompt_search[0]["best"]["origin"] in html
