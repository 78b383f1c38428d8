"""Token counts with the target model's tokenizer, and its context window.

The exact count goes through ``litellm.token_counter`` when litellm is installed (it knows
each provider's tokenizer and chat overhead); otherwise tiktoken ``o200k_base`` (or, with
no encoding available offline, 4 characters per token) plus a fixed overhead per message.
litellm is imported lazily: it costs seconds and ~200 MB, and offline it must read its
bundled price map (``LITELLM_LOCAL_MODEL_COST_MAP``) instead of fetching one.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import TaskladderError
from ..models.litellm_loader import load_litellm
from ..tokenizers import encoding_for_model, message_counter

log = logging.getLogger(__name__)

# Chat formats add a few tokens per message (role, separators) and a few to prime the reply;
# OpenAI's documented figures are 3 + 1 for the role, and 3.
PER_MESSAGE_TOKENS = 4
REPLY_PRIMING_TOKENS = 3
FALLBACK_ENCODING = "o200k_base"


@functools.lru_cache(maxsize=1)
def _litellm() -> Any:
    try:
        return load_litellm()
    except ImportError:
        return None


@functools.lru_cache(maxsize=32)
def _text_counter(model: str) -> Callable[[list[str]], list[int]]:
    """The fastest per-text counter available: the shared counter's (a registered tokenizer, the
    model's tiktoken encoding, else ``o200k_base``, loaded offline), else 4 characters per token."""

    try:
        count_texts = getattr(message_counter(model), "count_texts", None)
    except TaskladderError:  # no encoding offline
        count_texts = None
    if count_texts is not None:
        return count_texts  # a plain loop: for short texts, encode_ordinary_batch's pool costs ~15x more
    encoding = encoding_for_model(model)
    if encoding is not None:
        return lambda texts: [len(encoding.encode_ordinary(t)) for t in texts]
    log.warning("no tokenizer for %s; estimating 4 characters per token", model)
    return lambda texts: [(len(t) + 3) // 4 for t in texts]


def count_text_tokens(texts: Sequence[str], model: str) -> list[int]:
    """Fast per-text counts (tiktoken): an estimate that the packer verifies once."""
    return _text_counter(model)(list(texts)) if texts else []


def _estimate(messages: Sequence[dict[str, str]], model: str) -> int:
    contents = count_text_tokens([m.get("content", "") for m in messages], model)
    return sum(contents) + PER_MESSAGE_TOKENS * len(messages) + REPLY_PRIMING_TOKENS


def count_message_tokens(messages: Sequence[dict[str, str]], model: str) -> int:
    """Prompt tokens of ``messages`` for ``model``, with the counter every command uses
    (``taskladder.tokenizers.message_counter``); a rough estimate when none loads offline."""

    try:
        return message_counter(model, _load_litellm).count(list(messages))
    except TaskladderError:  # no tokenizer offline: an estimate must not stop a run
        return _estimate(messages, model)
    except Exception as exc:  # noqa: BLE001 - an unknown tokenizer must not stop a run: estimate instead
        log.warning("could not count tokens for %s (%s); estimating", model, exc)
        return _estimate(messages, model)


def _load_litellm() -> Any:
    litellm = _litellm()
    if litellm is None:
        raise ImportError("litellm is not installed")
    return litellm


def context_window(model: str) -> int | None:
    """The model's input token limit from litellm's model table; None when unknown."""
    litellm = _litellm()
    if litellm is None:
        return None
    names = [model]
    if "/" in model:
        names.append(model.split("/", 1)[1])
    entry: dict[str, Any] | None = None
    for name in names:
        entry = litellm.model_cost.get(name)
        if entry:
            break
    if not entry:
        try:
            # get_model_info prints a provider list to stdout for unknown names; keep it quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                entry = dict(litellm.get_model_info(model))
        except Exception as exc:  # noqa: BLE001 - litellm raises a bare Exception for "not mapped"
            log.debug("litellm has no context window for %s: %s", model, exc)
            return None
    value = entry.get("max_input_tokens") or entry.get("max_tokens")
    return int(value) if value else None
