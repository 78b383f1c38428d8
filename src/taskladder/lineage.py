"""Where a synthetic row came from.

Every transform (field flip, recast, paraphrase, rationale, backfill ...) stamps the rows it
produces with a ``Lineage``, so a filtered or exported row can always be traced back to its
source rows, and a backfill knows which rows a given transform/model made.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Lineage(BaseModel):
    """Provenance of one produced row."""

    source_ids: list[str]
    transform: str
    model: str | None = None  # None for transforms that call no model (e.g. a field flip)
    prompt_hash: str | None = None  # see `prompt_hash`; ties the row to the exact prompt
    created_at: datetime = Field(default_factory=_now)
    # Transform-specific facts worth keeping (e.g. {"rationalized": true} for STaR rows made
    # with the gold answer in view), so filters and exports can treat such rows differently.
    params: dict[str, Any] = Field(default_factory=dict)

    model_config = {"frozen": True}


def prompt_hash(prompt: Any) -> str:
    """sha256 of the canonical JSON of a prompt (a string or a list of messages).

    Canonical (sorted keys, no whitespace) so the same prompt built twice hashes the same.
    """
    canonical = json.dumps(prompt, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
