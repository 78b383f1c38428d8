"""Structural checks of one fine-tuning record (one JSONL line, already parsed).

``check_record`` returns every problem as ``(category, message)``; the validator adds the line
number. The categories are stable names that ``--json`` consumers can count on.
"""

from __future__ import annotations

from typing import Any

from .formats import FormatRules, rules_for

# Line-level categories (set by the validator, before a record exists).
BLANK_LINE = "blank_line"
INVALID_UTF8 = "invalid_utf8"
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_an_object"
EMPTY_FILE = "empty_file"
# Record-level categories.
UNKNOWN_KEY = "unknown_key"
MISSING_FIELD = "missing_field"
MESSAGES_NOT_LIST = "messages_not_list"
EMPTY_MESSAGES = "empty_messages"
MESSAGE_NOT_OBJECT = "message_not_object"
UNKNOWN_ROLE = "unknown_role"
MISSING_CONTENT = "missing_content"
EMPTY_CONTENT = "empty_content"
NON_STRING_CONTENT = "non_string_content"
NO_ASSISTANT = "no_assistant_message"
INVALID_WEIGHT = "invalid_weight"
INVALID_FIELD_TYPE = "invalid_field_type"
IDENTICAL_PAIR = "identical_pair"
# Token stage.
TOO_LONG = "too_long"

Problems = list[tuple[str, str]]


def _check_message(msg: Any, where: str, rules: FormatRules, out: Problems) -> None:
    if not isinstance(msg, dict):
        out.append((MESSAGE_NOT_OBJECT, f"{where} is {type(msg).__name__}, expected an object with role and content"))
        return
    role = msg.get("role")
    if role not in rules.roles:
        shown = "missing" if role is None else repr(role)
        out.append((UNKNOWN_ROLE, f"{where}.role is {shown}; use one of {sorted(rules.roles)}"))
    for key in sorted(set(msg) - rules.message_keys):
        out.append((UNKNOWN_KEY, f"{where} has unknown key '{key}'; allowed: {sorted(rules.message_keys)}"))
    has_calls = rules.tool_calls_allowed and role == "assistant" and bool(msg.get("tool_calls") or msg.get("function_call"))
    if "content" not in msg or (msg["content"] is None and has_calls):
        if not has_calls:
            out.append((MISSING_CONTENT, f"{where} has no 'content'"))
    elif not isinstance(msg["content"], str):
        out.append((NON_STRING_CONTENT, f"{where}.content is {type(msg['content']).__name__}, expected a string"))
    elif not msg["content"].strip() and not has_calls:
        out.append((EMPTY_CONTENT, f"{where}.content is empty"))
    if "weight" in msg and rules.weight_allowed:  # elsewhere it is an unknown key, said above
        w = msg["weight"]
        if role != "assistant":
            out.append((INVALID_WEIGHT, f"{where}.weight is only allowed on assistant messages"))
        elif isinstance(w, bool) or w not in (0, 1):
            out.append((INVALID_WEIGHT, f"{where}.weight is {w!r}; use 0 or 1"))
    if "name" in msg and not isinstance(msg["name"], str):
        out.append((INVALID_FIELD_TYPE, f"{where}.name must be a string"))


def _check_messages(value: Any, where: str, rules: FormatRules, out: Problems, need_assistant: bool) -> None:
    if not isinstance(value, list):
        out.append((MESSAGES_NOT_LIST, f"'{where}' is {type(value).__name__}, expected a list of messages"))
        return
    if not value:
        out.append((EMPTY_MESSAGES, f"'{where}' is an empty list"))
        return
    for i, msg in enumerate(value):
        _check_message(msg, f"{where}[{i}]", rules, out)
    if need_assistant and not any(isinstance(m, dict) and m.get("role") == "assistant" for m in value):
        out.append((NO_ASSISTANT, f"'{where}' has no assistant message, so there is nothing to train on"))


def _check_chat(obj: dict[str, Any], rules: FormatRules, out: Problems) -> None:
    if "messages" in obj:
        _check_messages(obj["messages"], "messages", rules, out, need_assistant=True)
    if "tools" in obj and not isinstance(obj["tools"], list):
        out.append((INVALID_FIELD_TYPE, "'tools' must be a list of tool definitions"))
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        out.append((INVALID_FIELD_TYPE, "'parallel_tool_calls' must be true or false"))


def _check_dpo(obj: dict[str, Any], rules: FormatRules, out: Problems) -> None:
    for key in ("prompt", "chosen", "rejected"):
        if key not in obj:
            continue
        value = obj[key]
        if isinstance(value, str):
            if not value.strip():
                out.append((EMPTY_CONTENT, f"'{key}' is empty"))
        elif isinstance(value, list):
            _check_messages(value, key, rules, out, need_assistant=key != "prompt")
        else:
            out.append((INVALID_FIELD_TYPE, f"'{key}' is {type(value).__name__}; use a string or a list of messages"))
    if "chosen" in obj and obj.get("chosen") == obj.get("rejected"):
        out.append((IDENTICAL_PAIR, "'chosen' and 'rejected' are identical, so the pair teaches nothing"))


def check_record(obj: Any, fmt: str) -> Problems:
    """Every problem of one parsed record under format ``fmt``; empty when it is valid."""
    rules = rules_for(fmt)
    out: Problems = []
    if not isinstance(obj, dict):
        out.append((NOT_AN_OBJECT, f"the line is a JSON {type(obj).__name__}, expected an object"))
        return out
    for key in sorted(set(obj) - rules.top_keys):
        out.append((UNKNOWN_KEY, f"unknown key '{key}'; {fmt} allows {sorted(rules.top_keys)}"))
    for key in sorted(rules.required_top - set(obj)):
        out.append((MISSING_FIELD, f"missing '{key}'"))
    if fmt == "dpo":
        _check_dpo(obj, rules, out)
    else:
        _check_chat(obj, rules, out)
    return out
