"""Turn rows into fine-tuning records (dicts, one per JSONL line).

Chat styles:
* ``answer``: the prompt, then the answer as the assistant message;
* ``two_message``: the assistant reasons, the user asks for the final answer, the assistant
  gives it (reasoning and answer are two assistant messages of one exchange);
* ``think``: one assistant message, ``<think>reasoning</think>`` before the answer (the form
  reasoning models are trained on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from .rows import ExportRow, PairwiseWin

Style = Literal["answer", "two_message", "think"]
STYLES: tuple[str, ...] = ("answer", "two_message", "think")
FINAL_ANSWER_PROMPT = "Now give only the final answer."


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _prompt_ok(prompt: list[dict[str, Any]]) -> bool:
    return bool(prompt) and all(isinstance(m.get("content"), str) and m["content"].strip() for m in prompt)


def build_chat(
    rows: Iterable[ExportRow],
    *,
    style: Style = "answer",
    system: str | None = None,
    fmt: str = "openai-chat",
    train_reasoning: bool = True,
    final_answer_prompt: str = FINAL_ANSWER_PROMPT,
    skipped: Counter[str] | None = None,
) -> list[dict[str, Any]]:
    """Chat records in ``fmt`` (openai-chat or hf-messages) and ``style``.

    Rows that would give an invalid record (empty prompt or answer; no reasoning in a reasoning
    style) are skipped and counted in ``skipped`` by reason, so every record written validates.
    ``train_reasoning=False`` puts ``weight: 0`` on the reasoning message of ``two_message``
    (openai-chat only; Hugging Face messages have no per-message weight).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; use one of {STYLES}")
    skipped = skipped if skipped is not None else Counter()
    records: list[dict[str, Any]] = []
    for row in rows:
        prompt = row.prompt_messages(system)
        if not _prompt_ok(prompt):
            skipped["empty_prompt"] += 1
            continue
        if _blank(row.output):
            skipped["empty_output"] += 1
            continue
        if style != "answer" and _blank(row.reasoning):
            skipped["no_reasoning"] += 1
            continue
        if style == "answer":
            turns = [{"role": "assistant", "content": row.output}]
        elif style == "think":
            reasoning_text = row.reasoning or ""  # not blank here: checked above
            turns = [{"role": "assistant", "content": f"<think>\n{reasoning_text.strip()}\n</think>\n\n{row.output}"}]
        else:
            reasoning: dict[str, Any] = {"role": "assistant", "content": row.reasoning}
            if not train_reasoning and fmt == "openai-chat":
                reasoning["weight"] = 0
            turns = [reasoning, {"role": "user", "content": final_answer_prompt}, {"role": "assistant", "content": row.output}]
        records.append({"messages": prompt + turns})
    return records


def build_dpo(
    wins: Iterable[PairwiseWin | tuple[Any, str, str]],
    *,
    skipped: Counter[str] | None = None,
) -> list[dict[str, Any]]:
    """DPO pairs ``{prompt, chosen, rejected}`` from pairwise wins ``(prompt, winner, loser)``.

    A string prompt gives string completions (TRL's standard form); a message-list prompt gives
    ``[{"role": "assistant", ...}]`` completions (its conversational form). Ties (winner equal
    to loser), empty texts and repeated pairs are skipped and counted.
    """
    skipped = skipped if skipped is not None else Counter()
    seen: set[tuple[str, str, str]] = set()
    records: list[dict[str, Any]] = []
    for w in wins:
        win = w if isinstance(w, PairwiseWin) else PairwiseWin(prompt=w[0], chosen=w[1], rejected=w[2])
        if _blank(win.chosen) or _blank(win.rejected):
            skipped["empty_completion"] += 1
            continue
        if isinstance(win.prompt, str) and _blank(win.prompt) or isinstance(win.prompt, list) and not _prompt_ok(win.prompt):
            skipped["empty_prompt"] += 1
            continue
        if win.chosen.strip() == win.rejected.strip():
            skipped["tie"] += 1
            continue
        key = (repr(win.prompt), win.chosen, win.rejected)
        if key in seen:
            skipped["repeated_pair"] += 1
            continue
        seen.add(key)
        if isinstance(win.prompt, str):
            records.append({"prompt": win.prompt, "chosen": win.chosen, "rejected": win.rejected})
        else:
            records.append(
                {
                    "prompt": [dict(m) for m in win.prompt],
                    "chosen": [{"role": "assistant", "content": win.chosen}],
                    "rejected": [{"role": "assistant", "content": win.rejected}],
                }
            )
    return records


def as_rows(items: Sequence[ExportRow | dict[str, Any]]) -> list[ExportRow]:
    """Accept plain dicts as well as ExportRow (pydantic checks the shape)."""
    return [i if isinstance(i, ExportRow) else ExportRow.model_validate(i) for i in items]
