"""Repairs: correct an example's expected output or mark it ambiguous (``POST /repairs``).

Each repair is stored as a gold patch with its lineage (who, when, the old value); the next
``eval`` of the task applies the patches in force (``task.patches``) and its run summary says
how many it used. ``/patches`` lists every patch ever made; ``/patches.csv`` exports them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .fmt import show, when
from .forms import read_form
from .state import ViewState

EXPORT_COLUMNS = ("id", "task", "example_id", "field", "old_value", "new_value", "ambiguous", "author", "note",
                  "created_at")


def typed_value(text: str, old: Any) -> Any:
    """The corrected value typed like the old one: a string stays a string; a number, list or
    object is read as JSON (and kept as text when it is not valid JSON)."""
    if isinstance(old, str) or old is None:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def export_csv(patches: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for p in patches:
        writer.writerow([show(p[c]) if c in ("old_value", "new_value") and p[c] is not None else
                         (when(p[c]) if c == "created_at" else p[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()


def register(router: APIRouter, state: ViewState, templates: Any) -> None:
    @router.post("/repairs")
    async def repair(request: Request) -> RedirectResponse:
        form = await read_form(request)
        task, example_id = form.get("task", ""), form.get("example_id", "")
        record = next((r for i in state.store.list_runs(task=task, limit=100)
                       if (r := state.record(i, example_id)) is not None), None)
        if record is None:
            raise HTTPException(400, f"no run of task '{task}' has example '{example_id}'")
        note = form.get("note", "")
        if form.get("action") == "ambiguous" or form.get("action") == "unambiguous":
            state.store.put_gold_patch(task, example_id, author=state.user, ambiguous=form["action"] == "ambiguous",
                                       note=note)
        else:
            field = form.get("field", "")
            if field not in record.expected:
                raise HTTPException(400, f"'{field}' is not an output field of task '{task}'; "
                                         f"pick one of: {', '.join(record.expected)}")
            current = next((p["new_value"] for p in state.store.gold_patches(task)
                            if p["example_id"] == example_id and p["field"] == field), record.expected[field])
            state.store.put_gold_patch(task, example_id, author=state.user, field=field, old_value=current,
                                       new_value=typed_value(form.get("value", ""), current), note=note)
        back = form.get("back") or "/patches"
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/patches",
                                status_code=303)

    @router.get("/patches", response_class=HTMLResponse)
    def patches_page(request: Request) -> HTMLResponse:
        patches = state.store.gold_patches(history=True)
        in_force = {p["id"] for p in state.store.gold_patches()}
        return templates.TemplateResponse(request, "patches.html",
                                          state.context(patches=patches, in_force=in_force))

    @router.get("/patches.csv")
    def patches_csv() -> Response:
        return Response(export_csv(state.store.gold_patches(history=True)), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="gold_patches.csv"'})
