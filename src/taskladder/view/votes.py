"""Blinded pairwise votes: ``/vote?runs=A&runs=B[&runs=C]`` shows one example and two runs'
outputs as Left and Right (which run is which, and the order, drawn at random), and takes
left / right / tie / both bad, by button or key. Votes are stored with voter and time.

``ratings`` fits them with ``rank.rank_comparisons``, the fit behind ``taskladder rank``
(Bradley–Terry with bootstrap intervals over examples). "Both bad" counts as a tie: neither
output was preferred. Where an arena run judged the same pair on the same example, the share
of human votes the judge agrees with is shown (the judge's calibration against people).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import TaskladderError
from ..rank.comparison import Comparison
from ..rank.leaderboard import Leaderboard, rank_comparisons
from ..store import Record, RunInfo
from .compare import resolve_runs, runs_query
from .forms import read_form
from .judge import judge_verdicts, pair_key
from .runs import RunRow
from .state import ViewState

CHOICES = {"left": "left", "right": "right", "tie": "tie", "both_bad": "both bad"}
BESIDE_JUDGE = 20  # latest judged votes listed with the judge's reasoning
BOOTSTRAP = 200  # resamples for the intervals: enough for a screen that refits after each vote


@dataclass
class Pair:
    task: str
    example_id: str
    inputs: dict[str, Any]
    expected: dict[str, Any]
    left: Record
    right: Record
    run_a: str
    run_b: str


def next_pair(state: ViewState, infos: list[RunInfo], rng: random.Random) -> tuple[Pair | None, int]:
    """A pair this voter has not voted on yet (drawn at random), and how many remain."""
    task = infos[0].task
    done = {pair_key(v["example_id"], v["run_a"], v["run_b"]) for v in state.store.votes(task)
            if v["voter"] == state.user}
    by_run = {i.run_id: state.digests(i) for i in infos}
    first = by_run[infos[0].run_id]
    shared = [eid for eid in first if all(eid in m for m in by_run.values())]
    todo = [(eid, a, b) for eid in shared for a, b in itertools.combinations(by_run, 2)
            if pair_key(eid, a, b) not in done]
    if not todo:
        return None, 0
    eid, a, b = rng.choice(todo)
    left, right = (a, b) if rng.random() < 0.5 else (b, a)
    infos_by_id = {i.run_id: i for i in infos}
    shown = {rid: state.record(infos_by_id[rid], eid) for rid in (left, right)}
    rec_l, rec_r = shown[left], shown[right]
    if rec_l is None or rec_r is None:  # a record vanished between the two reads: try again
        return None, len(todo)
    return Pair(task, eid, rec_l.inputs, rec_l.expected, rec_l, rec_r, a, b), len(todo)


def winner_of(choice: str, run_a: str, left_run: str) -> str:
    """The stored verdict (about run_a/run_b) for a choice about screen positions."""
    if choice in ("tie", "both_bad"):
        return choice
    picked_left = choice == "left"
    return "a" if picked_left == (left_run == run_a) else "b"


@dataclass
class Ratings:
    board: Leaderboard | None
    votes: int
    judged: int  # votes on pairs the LLM judge also judged
    agree: int  # ...where the judge picked the same winner (or both a tie)
    note: str | None = None
    # The latest of those votes beside the judge's verdict and reasoning (votes already cast only,
    # so nothing here reveals which run is on which side of the pair still to vote on).
    beside_judge: list[dict[str, Any]] = field(default_factory=list)

    @property
    def agreement(self) -> float | None:
        return self.agree / self.judged if self.judged else None


def ratings(state: ViewState, infos: list[RunInfo]) -> Ratings:
    ids = {i.run_id for i in infos}
    names = {i.run_id: f"{RunRow(i, 0).name} ({i.run_id[-6:]})" for i in infos}
    votes = [v for v in state.store.votes(infos[0].task) if v["run_a"] in ids and v["run_b"] in ids]
    comparisons = [
        Comparison(item=v["example_id"], a=names[v["run_a"]], b=names[v["run_b"]],
                   winner="tie" if v["winner"] == "both_bad" else v["winner"],
                   first="a" if v["left_run"] == v["run_a"] else "b")
        for v in votes
    ]
    verdicts = judge_verdicts(state, infos[0].task)
    judged = agree = 0
    beside: list[dict[str, Any]] = []
    for v in votes:
        judge = verdicts.get(pair_key(v["example_id"], v["run_a"], v["run_b"]))
        if judge is None:
            continue
        human = {"a": v["run_a"], "b": v["run_b"]}.get(v["winner"], "tie")
        judged += 1
        agree += judge.winner == human
        beside.append({"example_id": v["example_id"], "voter": v["voter"], "human": names.get(human, human),
                       "judge": names.get(judge.winner, judge.winner), "agree": judge.winner == human,
                       "reasons": [(names.get(first, first), text) for first, text in judge.reasons]})
    board, note = None, None
    if comparisons:
        try:
            board = rank_comparisons(comparisons, n_boot=BOOTSTRAP, first_position=False)
        except TaskladderError as exc:
            note = str(exc)
    return Ratings(board=board, votes=len(votes), judged=judged, agree=agree, note=note,
                   beside_judge=beside[-BESIDE_JUDGE:][::-1])


def register(router: APIRouter, state: ViewState, templates: Any) -> None:
    @router.get("/vote", response_class=HTMLResponse)
    def vote_page(request: Request, runs: list[str] = Query(default=[])) -> HTMLResponse:
        infos, error = resolve_runs(state, runs)
        if not error and len(infos) < 2:
            error = "votes need two or more runs of one task"
        if error:
            return templates.TemplateResponse(request, "message.html", state.context(message=error), status_code=400)
        pair, remaining = next_pair(state, infos, random.Random())
        return templates.TemplateResponse(request, "vote.html", state.context(
            pair=pair, remaining=remaining, runs=infos, ratings=ratings(state, infos), choices=CHOICES))

    @router.post("/vote")
    async def cast_vote(request: Request) -> RedirectResponse:
        form = await read_form(request)
        choice, run_a, run_b, left = form.get("choice", ""), form.get("run_a", ""), form.get("run_b", ""), form.get("left", "")
        if choice not in CHOICES or left not in (run_a, run_b) or not form.get("example_id"):
            raise _bad("a vote needs choice (left, right, tie or both_bad), the example and its two runs")
        state.store.put_vote(form.get("task", ""), form["example_id"], run_a, run_b, left_run=left,
                             winner=winner_of(choice, run_a, left), voter=state.user)
        return RedirectResponse(f"/vote?{runs_query([r for r in form.get('runs', '').split(',') if r])}",
                                status_code=303)


def _bad(message: str) -> Exception:
    return HTTPException(400, message)
