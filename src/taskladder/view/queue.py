"""Annotation queues: queue a comparison's examples for review (all, the wrong ones, or those
where the runs disagree), work through them on each example's page, and see progress."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .compare import FILTERS, compare, runs_query
from .forms import read_form, read_form_lists
from .state import ViewState


def register(router: APIRouter, state: ViewState, templates: Any) -> None:
    @router.post("/queues")
    async def enqueue(request: Request) -> RedirectResponse:
        form, lists = await read_form(request), await read_form_lists(request)
        runs = [r for r in lists.get("runs", []) if r]
        only = form.get("only", "")
        name = form.get("queue", "").strip() or f"review-{only or 'all'}"
        if only not in FILTERS:
            raise HTTPException(400, f"unknown filter '{only}'")
        found = compare(state, runs, only=only, label=form.get("label", ""), q=form.get("q", ""), page_size=1)
        if found.error:
            raise HTTPException(400, found.error)
        items = [(eid, [i.run_id for i in found.runs], FILTERS[only]) for eid in found.ids]
        state.store.enqueue_reviews(name, found.runs[0].task, items)
        return RedirectResponse(f"/queues/{quote(name, safe='')}", status_code=303)

    @router.get("/queues", response_class=HTMLResponse)
    def queues_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "queues.html", state.context(queues=state.store.review_queues()))

    @router.get("/queues/{name}", response_class=HTMLResponse)
    def queue_page(request: Request, name: str) -> HTMLResponse:
        items = state.store.review_queue(name)
        if not items:
            raise HTTPException(404, f"no queue '{name}'")
        done = sum(i["status"] == "done" for i in items)
        return templates.TemplateResponse(request, "queue.html", state.context(
            name=name, items=items, done=done, next_item=next((i for i in items if i["status"] != "done"), None)))

    @router.post("/queues/{name}/items/{item_id}/done")
    async def mark_done(request: Request, name: str, item_id: int) -> RedirectResponse:
        if not state.store.mark_reviewed(item_id, state.user):
            raise HTTPException(404, f"no queue item {item_id}")
        following = next((i for i in state.store.review_queue(name) if i["status"] != "done"), None)
        if following is None:
            return RedirectResponse(f"/queues/{quote(name, safe='')}", status_code=303)
        return RedirectResponse(f"/examples/{quote(following['task'], safe='')}/{quote(following['example_id'], safe='')}"
                                f"?{runs_query(following['runs'])}&item={following['id']}", status_code=303)
