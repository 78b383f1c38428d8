"""The file a provider trains on: the chat export as it is; a DPO export (TRL's ``prompt`` /
``chosen`` / ``rejected``) rewritten in the fine-tuning API's preference shape
(``input.messages`` / ``preferred_output`` / ``non_preferred_output``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..jsonl import write_jsonl


def _messages(value: Any, role: str) -> list[dict[str, Any]]:
    return [{"role": role, "content": value}] if isinstance(value, str) else list(value)


def preference_record(row: dict[str, Any]) -> dict[str, Any]:
    """One TRL preference pair in the API's preference shape (a row already in it is kept)."""
    if "input" in row and "preferred_output" in row:
        return row
    return {"input": {"messages": _messages(row["prompt"], "user")},
            "preferred_output": _messages(row["chosen"], "assistant"),
            "non_preferred_output": _messages(row["rejected"], "assistant")}


def provider_file(path: Path, method: str, workdir: Path) -> Path:
    """The file to upload for ``method``: ``path`` itself, or its preference-shaped copy in ``workdir``."""
    if method != "dpo":
        return path
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"{path.stem}.preference.jsonl"
    write_jsonl([preference_record(r) for r in rows], out)
    return out
