"""Run an app under uvicorn: the loopback rule, graceful shutdown, and ``run_server``.

Graceful shutdown is uvicorn's: on SIGINT/SIGTERM it stops accepting connections, lets
requests already being answered finish (up to ``graceful_timeout_s``), then exits.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import ConfigError
from ..guard import Guard
from .app import create_app
from .responder import Responder


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; anything else may be reachable from outside."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: cannot know what it resolves to, so treat it as public


def check_exposure(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a bearer token."""
    if not token and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} without a bearer token; set a token, or listen on 127.0.0.1"
        )


def make_server(app: Any, host: str, port: int, token: str | None = None, *,
                graceful_timeout_s: float = 30.0, log_level: str = "info") -> Any:
    """A configured ``uvicorn.Server`` (not started) — ``serve`` runs it; tests drive it."""
    import uvicorn

    app_token = getattr(app.state, "api_token", None)
    if token and app_token and token != app_token:
        raise ConfigError("the token given to serve() differs from the app's api_token; pass one token")
    if token and not app_token:
        app.state.api_token = token  # the app reads it per request
    check_exposure(host, token or app_token)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                            # uvicorn annotates int, but passes it to asyncio.timeout(), which takes float seconds
                            timeout_graceful_shutdown=graceful_timeout_s)  # type: ignore[arg-type]
    return uvicorn.Server(config)


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, token: str | None = None, *,
          graceful_timeout_s: float = 30.0, log_level: str = "info") -> None:
    """Serve ``app`` until SIGINT/SIGTERM; in-flight requests finish before it returns."""
    make_server(app, host, port, token, graceful_timeout_s=graceful_timeout_s, log_level=log_level).run()


def run_server(responder: Responder, host: str, port: int, *, guard: Guard | None, token: str | None,
               model_name: str, max_concurrency: int = 8, on_served=None) -> None:
    """What ``taskladder serve`` calls: check the exposure rule, build the app, serve it."""
    check_exposure(host, token)
    app = create_app(responder, guard=guard, model_name=model_name, max_concurrency=max_concurrency,
                     api_token=token, on_served=on_served)
    serve(app, host, port, token)
