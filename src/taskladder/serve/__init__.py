"""Serve a pipeline as an OpenAI-compatible HTTP API, with guards, limits and metrics.

``create_app(responder, guard=..., model_name=..., max_concurrency=..., api_token=...)``
builds the FastAPI app; ``run_server(...)`` is what the ``taskladder serve`` command calls.
FastAPI and uvicorn are the ``serve`` extra: this package imports them, ``taskladder``
itself does not.
"""

from .app import create_app
from .responder import Responder, ResponderResult
from .run import check_exposure, is_loopback, make_server, run_server, serve

__all__ = [
    "Responder", "ResponderResult", "check_exposure", "create_app", "is_loopback",
    "make_server", "run_server", "serve",
]
