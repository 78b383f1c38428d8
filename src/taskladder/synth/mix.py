"""General-data mixing: chat conversations from a file the user gives, mixed in at a ratio so a
model tuned on the task forgets less of what it could do before.

``ratio`` is the share of general rows in the final dataset: with T task rows, G = round(ratio /
(1 - ratio) * T) general rows are drawn (seeded, without replacement). A file with fewer rows
gives all it has, and the report says how many were missing.
"""

from __future__ import annotations

import random
from pathlib import Path

from ..errors import ConfigError, DataError
from ..finetune.checks import check_record
from ..jsonl import iter_jsonl
from .context import StepContext, StepReport
from .rows import GENERAL_VIEW, SynthRow, child_lineage


def read_general(path: Path) -> list[dict]:
    """The conversations of a JSONL file of ``{"messages": [...]}`` lines (Hugging Face / OpenAI
    chat form), each checked like a fine-tuning line and ending with an assistant turn."""
    convs: list[dict] = []
    for no, obj in iter_jsonl(path, missing="no such file; give a JSONL file of {\"messages\": [...]} lines"):
        obj = {"messages": obj.get("messages")} if "messages" in obj else obj
        problems = check_record(obj, "hf-messages")
        if problems:
            cat, msg = problems[0]
            raise DataError(str(path), f"{cat}: {msg} (check it with `taskladder validate --format hf-messages`)",
                            row=no)
        if obj["messages"][-1].get("role") != "assistant":
            raise DataError(str(path), "the last message must be the assistant's answer", row=no)
        convs.append({"line": no, "messages": obj["messages"]})
    if not convs:
        raise DataError(str(path), "no conversations; add {\"messages\": [...]} lines")
    return convs


def mix_general(
    rows: list[SynthRow], ctx: StepContext, *, file: str, ratio: float, name: str = "mix",
) -> tuple[list[SynthRow], StepReport]:
    """Append general chat rows so they make up ``ratio`` of the result."""
    if not 0.0 <= ratio < 1.0:
        raise ConfigError(f"step '{name}': ratio must be in [0, 1) (the share of general rows), got {ratio}")
    path = Path(file).expanduser()
    path = path if path.is_absolute() else ctx.base_dir / path
    convs = read_general(path)
    n_task = sum(1 for r in rows if r.is_task_row)
    wanted = round(ratio / (1.0 - ratio) * n_task)
    take = min(wanted, len(convs))
    picked = sorted(random.Random(f"{ctx.seed}:{name}").sample(range(len(convs)), take))
    mtime = path.stat().st_mtime
    made = [
        SynthRow(id=f"{name}~{path.name}:{convs[i]['line']}", view=GENERAL_VIEW, messages=convs[i]["messages"],
                 lineage=child_lineage(None, transform="mix", created_at=mtime,
                                       source_ids=[f"{path.name}:{convs[i]['line']}"], params={"file": path.name}))
        for i in picked
    ]
    reasons = {"file_too_small": wanted - take} if wanted > take else {}
    note = f"{take} general rows for {n_task} task rows (ratio {ratio:g}; wanted {wanted})"
    return rows + made, StepReport(name=name, step="mix", rows_in=len(rows), rows_out=len(rows) + len(made),
                                   added=len(made), reasons=reasons, note=note)
