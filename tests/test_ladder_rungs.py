"""Rungs as objects: a new rung is one class plus one line in the list, and names live in one place."""

from __future__ import annotations

import helpers
import pytest
from helpers import sentiment_rows, write_task

from taskladder.cli import main
from taskladder.ladder import (
    RUNG_ORDER,
    ClimbRung,
    ClimbState,
    LadderContext,
    LadderOptions,
    ModelRung,
    ModelState,
    RungResult,
    climb,
    ladder_rungs,
    rung_names,
)
from taskladder.models.config import ModelConfig
from taskladder.pipeline import PipelineSpec
from taskladder.report.ladder import rung_order
from taskladder.task import load_task

TERSE = "Answer with the label only. TERSE."


class Terse(ModelRung):
    """zero-shot with a different instruction: the whole of a new rung."""

    name = "terse"

    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        return PipelineSpec(model=model.name, rung=self.name, instructions=TERSE,
                            params={"max_tokens": ctx.answer_tokens})


class Tally(ClimbRung):
    """A climb-wide rung: one row saying how many runs the rungs before it left."""

    name = "tally"

    def run(self, state: ClimbState) -> None:
        state.add(RungResult(model="tally", rung=self.name, pipeline={}, status="stopped-no-gain",
                             reason=f"{len(state.runs)} runs so far"))


# Kept before the test swaps helpers.sentiment_responder for terse_aware: calling the swapped
# name from inside terse_aware recursed, and every non-terse call errored unnoticed.
_SENTIMENT = helpers.sentiment_responder


def terse_aware(messages: list[dict]) -> str:
    """The sentiment bot, always right when the system prompt carries the terse instruction."""
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if "TERSE" in system:
        return "pos" if any(w in messages[-1]["content"] for w in helpers.POSITIVE) else "neg"
    return _SENTIMENT(messages)


def bot() -> dict[str, ModelConfig]:
    return {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"},
                               price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})}


def with_rung_after(after: str, rung) -> list:
    rungs = ladder_rungs()
    rungs.insert([r.name for r in rungs].index(after) + 1, rung)
    return rungs


def test_a_rung_defined_outside_climb_climbs_in_its_place_and_feeds_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "sentiment_responder", terse_aware)
    task = load_task(write_task(tmp_path / "t", sentiment_rows(400)))
    result = climb(task, ["bot"], bot(), baselines=[], progress=False, confirm_on_test=False,
                   rungs=with_rung_after("zero-shot", Terse()),
                   options=LadderOptions(shots=4, rungs=("zero-shot", "terse", "few-shot", "consensus"),
                                         cascade=False))
    assert [r.rung for r in result.rungs] == ["zero-shot", "terse", "few-shot", "consensus"]
    rows = {r.rung: r for r in result.rungs}
    terse = rows["terse"]
    assert terse.status == "ran" and terse.pipeline["instructions"] == TERSE
    assert terse.estimated_cost_usd and terse.estimated_cost_usd > 0  # priced like any rung
    assert terse.score == 1.0 > rows["zero-shot"].score
    # its run became the model's best so far: consensus votes the terse pipeline
    assert rows["consensus"].pipeline["instructions"] == TERSE
    assert rows["consensus"].pipeline["sampling"]["n"] == 5
    assert result.recommendation["rung"] in ("terse", "few-shot")


def test_default_options_climb_every_rung_of_the_list_given(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    ladder = [r for r in with_rung_after("zero-shot", Terse()) if r.name in ("zero-shot", "terse", "cot")]
    ladder.insert(2, Tally())
    result = climb(task, ["bot"], bot(), baselines=[], progress=False, confirm_on_test=False, rungs=ladder)
    # per-model rungs either side of a climb-wide one: each part climbed by the models in turn
    assert [(r.model, r.rung) for r in result.rungs] == [("bot", "zero-shot"), ("bot", "terse"),
                                                          ("tally", "tally"), ("bot", "cot")]
    assert result.rungs[2].reason == "2 runs so far"


def test_rag_leaves_no_row_without_documents_and_cascade_needs_a_probability_baseline(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    ctx = LadderContext(task, LadderOptions())
    # optimize is opt-in: it applies only when --rungs names it; finetune: 20 train rows are
    # fewer than its default minimum; embed-tuned and mix are opt-in like optimize
    assert [r.name for r in ladder_rungs() if not r.applies(ctx)] == ["rag", "optimize", "finetune", "embed-tuned",
                                                                      "mix"]
    result = climb(task, ["bot"], bot(), baselines=["baseline/majority"], progress=False, confirm_on_test=False,
                   options=LadderOptions(shots=4, rungs=("zero-shot", "rag")))
    assert [r.rung for r in result.rungs] == ["baseline", "zero-shot"]  # no cascade: majority gives no probability


def test_names_come_from_the_one_list():
    names = rung_names()
    assert names[0] == "baseline" and names[-1] == "cascade"
    assert RUNG_ORDER == tuple(n for n in names if n not in ("baseline", "cascade"))
    assert LadderOptions().rungs is None  # every rung of the ladder climbs by default
    assert rung_order(["cascade", "finetune", "knn-cot", "new-thing", "baseline"]) == [
        "baseline", "knn-cot", "finetune", "cascade", "new-thing"]
    assert len(set(names)) == len(names)


def test_cli_rejects_an_unknown_rung_with_the_ladder_names(tmp_path, monkeypatch, capsys):
    path = write_task(tmp_path / "t", sentiment_rows(20))
    monkeypatch.setattr("sys.argv", ["taskladder", "climb", str(path), "-m", "baseline/majority",
                                     "--rungs", "zero-shot,nope"])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "unknown rung(s) ['nope']" in err and ", ".join(RUNG_ORDER) in err


@pytest.mark.parametrize("rung", [r for r in ladder_rungs() if isinstance(r, ModelRung)], ids=lambda r: r.name)
def test_every_model_rung_builds_a_spec_named_after_itself(tmp_path, rung):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(20)))
    spec = rung.spec(LadderContext(task, LadderOptions()), ModelState("bot"))
    assert spec.rung == rung.name and spec.model == "bot"
