"""What each fine-tuning file format allows, as data the checks read.

openai-chat: OpenAI's chat fine-tuning JSONL (``messages`` plus optional ``tools`` and
``parallel_tool_calls``; assistant messages may carry ``weight`` 0/1 and tool calls).
hf-messages: the Hugging Face / TRL conversational format (``messages`` only).
dpo: TRL preference pairs: ``prompt``, ``chosen``, ``rejected``, each a string or a list of
messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import TaskladderError

Format = Literal["openai-chat", "hf-messages", "dpo"]
FORMATS: tuple[str, ...] = ("openai-chat", "hf-messages", "dpo")


@dataclass(frozen=True)
class FormatRules:
    top_keys: frozenset[str]
    required_top: frozenset[str]
    roles: frozenset[str]
    message_keys: frozenset[str]
    weight_allowed: bool  # `weight` (0|1) on assistant messages
    tool_calls_allowed: bool  # assistant messages with tool calls may omit content


RULES: dict[str, FormatRules] = {
    "openai-chat": FormatRules(
        top_keys=frozenset({"messages", "tools", "parallel_tool_calls"}),
        required_top=frozenset({"messages"}),
        roles=frozenset({"system", "user", "assistant", "tool", "function"}),
        message_keys=frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"}),
        weight_allowed=True,
        tool_calls_allowed=True,
    ),
    "hf-messages": FormatRules(
        top_keys=frozenset({"messages"}),
        required_top=frozenset({"messages"}),
        roles=frozenset({"system", "user", "assistant", "tool"}),
        message_keys=frozenset({"role", "content", "name", "tool_calls", "tool_call_id"}),
        weight_allowed=False,
        tool_calls_allowed=True,
    ),
    "dpo": FormatRules(
        top_keys=frozenset({"prompt", "chosen", "rejected"}),
        required_top=frozenset({"prompt", "chosen", "rejected"}),
        roles=frozenset({"system", "user", "assistant"}),
        message_keys=frozenset({"role", "content"}),
        weight_allowed=False,
        tool_calls_allowed=False,
    ),
}


def rules_for(fmt: str) -> FormatRules:
    if fmt not in RULES:
        raise TaskladderError(f"unknown format '{fmt}'; use one of: {', '.join(FORMATS)}")
    return RULES[fmt]
