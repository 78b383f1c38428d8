"""The SQLite store: call cache, runs and per-example records, under a versioned schema."""

from .db import CachedCall, Store
from .migrations import SCHEMA_VERSION
from .records import Record, RunInfo, RunSummary

__all__ = ["Store", "CachedCall", "Record", "RunInfo", "RunSummary", "SCHEMA_VERSION"]
