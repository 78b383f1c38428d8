"""``taskladder view``: a local web viewer over the store, where people look at runs side by side,
vote, repair expected outputs and work through review queues.

Server-rendered HTML (FastAPI + Jinja2) with vendored htmx: no build step, works offline.
Reads the same store as every command (SQLite WAL, so a running eval is never blocked) and
never starts a model call of its own. ``create_app`` needs the ``view`` extra (fastapi, jinja2).
"""

from .app import create_app
from .security import is_loopback

__all__ = ["create_app", "is_loopback"]
