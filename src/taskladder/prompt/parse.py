"""Parse a model reply into typed output fields; bad output is a result, never an exception."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from ..task import TaskSpec
from .coerce import coerce
from .extract import MISSING, best_object, find_key, is_missing, loads_whole, unfence
from .fields import REASONING_KEY, label_set

log = logging.getLogger(__name__)


class ParseResult(BaseModel):
    output: dict[str, Any] | None = None
    error: str | None = None
    reasoning: str | None = None

    @property
    def ok(self) -> bool:
        return self.output is not None


def parse_output(
    text: str,
    spec: TaskSpec,
    *,
    reasoning: bool = False,
    labels: dict[str, list[str]] | None = None,
) -> ParseResult:
    """Parse ``text`` (a model reply) for ``spec``'s output fields.

    One output field: a plain answer is its value; ``{"field": ...}`` and fenced JSON work too.
    Several fields, or ``reasoning``: one JSON object (fences and prose around it tolerated).
    """
    try:
        if text is None or not str(text).strip():
            return ParseResult(error="empty reply")
        if not reasoning and len(spec.outputs) == 1:
            exact = _exact_label(str(text), spec, labels)
            if exact is not None:
                return exact
        body = unfence(str(text))
        if not reasoning and len(spec.outputs) == 1:
            return _parse_single(body, spec, labels)
        return _parse_object(str(text), body, spec, reasoning, labels)
    except Exception as exc:  # a parser bug must not take down a whole run
        log.exception("parser failed on a reply")
        return ParseResult(error=f"could not parse the reply ({type(exc).__name__}: {exc})")


def _exact_label(text: str, spec: TaskSpec, labels: dict[str, list[str]] | None) -> ParseResult | None:
    """The common case, cheaply: a one-label task whose reply is exactly one allowed label."""
    name, field = next(iter(spec.outputs.items()))
    if field.type != "label":
        return None
    allowed = label_set(spec, name, labels)
    answer = text.strip()
    return ParseResult(output={name: answer}) if allowed and answer in allowed else None


def _parse_single(body: str, spec: TaskSpec, labels: dict[str, list[str]] | None) -> ParseResult:
    name, field = next(iter(spec.outputs.items()))
    value = _single_value(body, name, field.type)
    if is_missing(value):
        what = "valid JSON" if field.type == "json" else f"the {name} value"
        return ParseResult(error=f"expected {what} or a JSON object with key '{name}'")
    typed, error = coerce(value, field.type, name, label_set(spec, name, labels))
    if error:
        return ParseResult(error=error)
    return ParseResult(output={name: typed})


def _single_value(body: str, name: str, kind: str) -> Any:
    whole = loads_whole(body)
    if isinstance(whole, dict):
        inner = find_key(whole, name)
        if not is_missing(inner):
            return inner
        if kind == "json":
            return whole  # the object itself is the answer
        if len(whole) == 1:
            return next(iter(whole.values()))  # {"answer": "..."}: one key, one value
        return body if kind == "text" else inner
    if not is_missing(whole):
        # A JSON string is a quoted answer; other scalars only count for numbers and JSON,
        # so a text answer "true" or "42" stays the text the model wrote.
        if isinstance(whole, str) or kind in ("number", "json"):
            return whole
        return body
    obj = best_object(body, [name])
    if obj is not None and not is_missing(find_key(obj, name)):
        return find_key(obj, name)  # prose around {"name": ...}
    if kind == "json":
        return obj if obj is not None else MISSING  # no JSON at all
    return body


def _parse_object(
    raw: str, body: str, spec: TaskSpec, reasoning: bool, labels: dict[str, list[str]] | None
) -> ParseResult:
    names = list(spec.outputs)
    whole = loads_whole(body)
    obj = whole if isinstance(whole, dict) else best_object(body, names + [REASONING_KEY])
    if obj is None and body != raw.strip():
        obj = best_object(raw, names + [REASONING_KEY])
    if obj is None:
        return _fallback(raw, spec, reasoning, labels)
    thought = find_key(obj, REASONING_KEY) if reasoning else None
    thought_text = None if thought is None or is_missing(thought) else str(thought)
    missing = [n for n in names if is_missing(find_key(obj, n))]
    if missing:
        keys = ", ".join(f"'{m}'" for m in missing)
        return ParseResult(error=f"JSON reply lacks key(s) {keys}", reasoning=thought_text)
    output: dict[str, Any] = {}
    for name, field in spec.outputs.items():
        typed, error = coerce(find_key(obj, name), field.type, name, label_set(spec, name, labels))
        if error:
            return ParseResult(error=error, reasoning=thought_text)
        output[name] = typed
    return ParseResult(output=output, reasoning=thought_text)


def _fallback(
    raw: str, spec: TaskSpec, reasoning: bool, labels: dict[str, list[str]] | None
) -> ParseResult:
    """No JSON object at all. A reasoning reply for one label/number field often ends in prose
    ("... so the answer is 42."): take the whole text as reasoning and the answer from it."""
    names = list(spec.outputs)
    expected = ", ".join(([REASONING_KEY] if reasoning else []) + names)
    if reasoning and len(names) == 1:
        name, field = next(iter(spec.outputs.items()))
        if field.type in ("label", "number"):
            typed, error = coerce(raw, field.type, name, label_set(spec, name, labels))
            if not error:
                return ParseResult(output={name: typed}, reasoning=raw.strip())
    return ParseResult(error=f"expected one JSON object with keys {expected}; got '{raw.strip()[:60]}'")
