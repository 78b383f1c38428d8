"""Routes for examples side by side (``/compare``) and one example's page (``/examples/...``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from .compare import FILTERS, compare, patched_expected, resolve_runs
from .judge import judge_verdicts, pair_key
from .messages import messages_for
from .state import ViewState


def register(router: APIRouter, state: ViewState, templates: Any) -> None:
    @router.get("/compare", response_class=HTMLResponse)
    def compare_page(request: Request, runs: list[str] = Query(default=[]), only: str = "", label: str = "",
                     q: str = "", page: int = 1) -> HTMLResponse:
        if only not in FILTERS:
            raise HTTPException(400, f"unknown filter '{only}'; use one of: {', '.join(k for k in FILTERS if k)}")
        result = compare(state, runs, only=only, label=label, q=q, page=page)
        return templates.TemplateResponse(
            request, "compare.html",
            state.context(c=result, only=only, label=label, q=q, filters=FILTERS, run_ids=[i.run_id for i in result.runs]),
            status_code=400 if result.error else 200)

    @router.get("/examples/{task}/{example_id:path}", response_class=HTMLResponse)
    def example_page(request: Request, task: str, example_id: str, runs: list[str] = Query(default=[]),
                     item: int | None = None) -> HTMLResponse:
        if runs:
            infos, error = resolve_runs(state, runs)
            if error:
                raise HTTPException(400, error)
        else:  # every run of the task (the latest 100) that answered this example
            infos = [i for i in state.store.list_runs(task=task, limit=100) if i.pipeline.get("kind") != "arena"]
        cells = [(i, state.record(i, example_id)) for i in infos if i.task == task]
        answered = [(i, r) for i, r in cells if r is not None]
        if not answered:
            raise HTTPException(404, f"no run of task '{task}' answered example '{example_id}'")
        first = answered[0][1]
        fix = patched_expected(state, task).get(example_id, {"fields": {}, "ambiguous": False})
        expected = {**first.expected, **fix["fields"]}
        history = [p for p in state.store.gold_patches(task, history=True) if p["example_id"] == example_id]
        votes = [v for v in state.store.votes(task) if v["example_id"] == example_id]
        verdicts = judge_verdicts(state, task)
        judged = [(a, b, verdicts.get(pair_key(example_id, a.run_id, b.run_id)),
                   [v for v in votes if pair_key(example_id, v["run_a"], v["run_b"])
                    == pair_key(example_id, a.run_id, b.run_id)])
                  for k, (a, _) in enumerate(answered) for (b, _) in answered[k + 1:]]
        plans = {i.run_id: messages_for(state, i, example_id) for i, _ in answered}
        queue_item = next((q for q in _queue_items(state, task, example_id) if q["id"] == item), None)
        return templates.TemplateResponse(request, "example.html", state.context(
            task=task, example_id=example_id, inputs=first.inputs, expected=expected, original=first.expected,
            ambiguous=fix["ambiguous"], history=history, cells=answered, votes=votes, plans=plans,
            judged=[j for j in judged if j[2] is not None], run_ids=[i.run_id for i, _ in answered],
            queue_item=queue_item))


def _queue_items(state: ViewState, task: str, example_id: str) -> list[dict[str, Any]]:
    return [q for name in state.store.review_queues() if name["task"] == task
            for q in state.store.review_queue(name["queue"]) if q["example_id"] == example_id]
