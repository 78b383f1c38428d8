"""General-data replay from the user's own files (``tune --replay-file PATH --replay-ratio R``).

When the user has general examples of their own, replay uses them instead of the base model's
answers (replay.py): human-written answers pull a tuned model back towards general ability
better than the base model's own imitations of it. A file (or every ``*.jsonl`` in a folder)
holds one example per line in either of two forms:

- chat: ``{"messages": [..., {"role": "assistant", "content": ...}]}`` (what ``synth``'s ``mix``
  step and ``export`` read and write);
- instruction: ``{"instruction": ..., "input": ..., "output": ...}``, or self-instruct's
  ``{"instruction": ..., "instances": [{"input": ..., "output": ...}, ...]}`` (one example per
  instance), as in ``shared/data/general``;
- prompt/answer: ``{"prompt": ..., "answer": ...}`` (one user turn and its answer).

An instance whose output is blank is skipped (it teaches nothing and scores nothing); one
without a string output is an error. ``read_general`` is also how ``mix-sweep`` and the ``mix``
rung read a causal LM's general set (mix/causal_eval.py), with ``first_instance``: one answer
per instruction, so an evaluation set stays as varied as it is long.

``n`` rows are drawn seeded and without replacement; a file with fewer examples than asked is
cycled through (each example used as evenly as the count allows), as the packaged prompts are.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..jsonl import iter_jsonl
from .data import ROLES, ChatPair

DEFAULT_FILE_RATIO = 0.25  # a replay file without a ratio (--replay-file, climb.tune): one replay row in five


def effective_replay_ratio(asked: float | None, has_files: bool) -> float:
    """The replay ratio a tune uses: the one asked for, else one replay row in five with a
    replay file and none without (then no replay at all)."""
    if asked is not None:
        return asked
    return DEFAULT_FILE_RATIO if has_files else 0.0

FORMS = (
    '{"messages": [..., {"role": "assistant", ...}]}, {"instruction", "input", "output"} '
    '(or "instances": [{"input", "output"}]) or {"prompt", "answer"}'
)


def replay_files(paths: list[Path]) -> list[Path]:
    """The files a list of ``--replay-file`` (or ``--general``) arguments names: a folder stands
    for its ``*.jsonl``."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.jsonl")) + sorted(p.glob("*.jsonl.gz"))
            if not found:
                raise DataError(str(p), "no *.jsonl files in this folder; give general examples as JSONL")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise DataError(str(p), "no such general-data file or folder")
    return out


def read_general(paths: list[Path], *, first_instance: bool = False, limit: int | None = None) -> list[ChatPair]:
    """Every general example in ``paths`` (files or folders), in file order; with
    ``first_instance`` only an instruction's first instance with an answer; at most ``limit``."""
    pairs: list[ChatPair] = []
    for path in replay_files(paths):
        before = len(pairs)
        for line, obj in iter_jsonl(path):
            pairs += _pairs_of(obj, str(path), line, first_instance)
            if limit and len(pairs) >= limit:
                return pairs[:limit]
        if len(pairs) == before:
            raise DataError(str(path), f"no general examples; each line is {FORMS}")
    return pairs


def file_replay(paths: list[Path], n: int, seed: int) -> list[ChatPair]:
    """``n`` replay pairs drawn seeded from the user's general files."""
    if n <= 0:
        return []
    pool = read_general(paths)
    rng = random.Random(f"replay:{seed}")
    out: list[ChatPair] = []
    while len(out) < n:  # each pass a fresh shuffle: no example twice before every one has been used
        order = list(range(len(pool)))
        rng.shuffle(order)
        out += [pool[i] for i in order[: n - len(out)]]
    return out


def _pairs_of(obj: dict[str, Any], where: str, line: int, first_instance: bool) -> list[ChatPair]:
    if "messages" in obj:
        messages = obj["messages"]
        if (
            not isinstance(messages, list)
            or len(messages) < 2
            or not all(
                isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages
            )
        ):
            raise DataError(
                where,
                '"messages" must be a list of {role: system/user/assistant, content: '
                "string}, a prompt and then the answer",
                line=line,
                field="messages",
            )
        if messages[-1]["role"] != "assistant":
            raise DataError(where, "the last message must be the assistant's answer", line=line, field="messages")
        return [ChatPair([dict(m) for m in messages[:-1]], messages[-1]["content"])]
    if "prompt" in obj and "answer" in obj:
        prompt, answer = obj["prompt"], obj["answer"]
        if not isinstance(prompt, str) or not prompt.strip() or not isinstance(answer, str):
            raise DataError(where, '"prompt" and "answer" must be strings', line=line, field="prompt")
        return [ChatPair([{"role": "user", "content": prompt.strip()}], answer.strip())] if answer.strip() else []
    instruction = obj.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise DataError(where, f"each line is {FORMS}", line=line)
    instances = obj.get("instances", [obj])
    if not isinstance(instances, list):
        raise DataError(where, '"instances" must be a list of {"input", "output"}', line=line, field="instances")
    out = []
    for inst in instances:
        answer = inst.get("output") if isinstance(inst, dict) else None
        given = inst.get("input", "") if isinstance(inst, dict) else None
        if not isinstance(answer, str) or not isinstance(given, str):
            raise DataError(
                where, 'each example needs a string "output" (and "input", if any, a string)', line=line, field="output"
            )
        if answer.strip():  # an instance without a reference answer teaches nothing
            prompt = f"{instruction.strip()}\n\n{given.strip()}" if given.strip() else instruction.strip()
            out.append(ChatPair([{"role": "user", "content": prompt}], answer.strip()))
            if first_instance:
                break
    return out
