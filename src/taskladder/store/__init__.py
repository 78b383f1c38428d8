"""The SQLite store: call cache, runs and per-example records."""

from .db import CachedCall, Store
from .records import Record, RunInfo, RunSummary

__all__ = ["Store", "CachedCall", "Record", "RunInfo", "RunSummary"]
