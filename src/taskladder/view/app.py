"""The viewer's FastAPI app: pages from templates/, htmx from static/, the store underneath."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..models.config import ModelConfig
from ..store import Store
from ..task import Task
from . import examples, queue, repairs, runs, votes
from .compare import runs_query
from .fmt import FILTERS
from .security import guard_middleware, new_secret
from .state import ViewState

HERE = Path(__file__).parent


def create_app(store: Store, *, token: str | None = None, user: str | None = None, task: Task | None = None,
               models: dict[str, ModelConfig] | None = None, poll_seconds: float = 2.0,
               climbs: Path | None = None) -> FastAPI:
    """The viewer over ``store``. ``token``: required from every client (set it off loopback).
    ``user``: the name votes and repairs are stored under (default: the login name).
    ``task``/``models``: to rebuild the exact messages runs sent (``plan(example)``).
    ``climbs``: the folder of ``TASK/climb.json`` files, for each task's climb decision."""
    state = ViewState(store=store, csrf=new_secret(), user=user or _login(), task=task, models=models or {},
                      poll_seconds=poll_seconds, climbs=climbs)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html
    templates.env.filters.update(FILTERS)
    templates.env.globals["runs_query"] = runs_query
    app = FastAPI(title="taskladder view", docs_url=None, redoc_url=None, openapi_url=None)
    app.middleware("http")(guard_middleware(token, state.csrf))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    router = APIRouter()
    for module in (runs, examples, votes, repairs, queue):
        module.register(router, state, templates)
    app.include_router(router)
    app.state.view = state

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return templates.TemplateResponse(request, "message.html", state.context(message=str(exc.detail)),
                                          status_code=exc.status_code)

    return app


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def run_viewer(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")
