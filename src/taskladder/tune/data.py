"""Training pairs: a prompt (chat messages) and the answer the model should learn to give.

From a task's split, rendered exactly as a zero-shot pipeline renders it (so the tuned model
is evaluated on the prompt it was trained on), or from the chat JSONL that ``synth`` and
``export`` write (``{"messages": [..., {"role": "assistant", "content": ...}]}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError
from ..prompt import render_messages
from ..prompt.render import render_output

if TYPE_CHECKING:
    from ..task import Example, Task

MIN_ROWS = 8  # fewer cannot fill one batch; the loss would mean nothing
ROLES = {"system", "user", "assistant"}


@dataclass(frozen=True)
class ChatPair:
    prompt: list[dict[str, str]]
    answer: str


def task_labels(task: "Task") -> dict[str, list[str]]:
    return {name: task.labels(name) for name, out in task.spec.outputs.items() if out.type == "label"}


def pair_for(task: "Task", example: "Example") -> ChatPair:
    prompt = render_messages(task.spec, example, [], labels=task_labels(task))
    return ChatPair([dict(m) for m in prompt], render_output(task.spec, example))


def pairs_from_task(task: "Task", split: str = "train") -> list[ChatPair]:
    pairs = [pair_for(task, e) for e in task.split(split)]
    check_enough(pairs, f"task {task.name} split {split}")
    return pairs


def pairs_from_jsonl(path: Path) -> list[ChatPair]:
    if not path.is_file():
        raise DataError(str(path), "no such training file; give the chat JSONL that `taskladder export` wrote")
    pairs = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(str(path), f"not JSON ({exc.msg})", line=line_no) from None
        messages = row.get("messages") if isinstance(row, dict) else None
        if not isinstance(messages, list) or not messages:
            raise DataError(str(path), 'each row needs "messages": a list of {"role", "content"} '
                            "(chat JSONL as `taskladder export --format openai-chat` writes)",
                            line=line_no, field="messages")
        for m in messages:
            if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                raise DataError(str(path), "each message needs role system/user/assistant and a string "
                                "content", line=line_no, field="messages")
        if messages[-1]["role"] != "assistant":
            raise DataError(str(path), "the last message must be the assistant's answer to learn",
                            line=line_no, field="messages")
        pairs.append(ChatPair(messages[:-1], messages[-1]["content"]))
    check_enough(pairs, str(path))
    return pairs


def check_enough(pairs: list[ChatPair], where: str) -> None:
    if len(pairs) < MIN_ROWS:
        what = "is empty" if not pairs else f"has {len(pairs)} rows"
        raise DataError(where, f"{what}; tuning needs at least {MIN_ROWS} training rows")
