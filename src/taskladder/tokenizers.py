"""tiktoken encodings that load offline.

tiktoken downloads its BPE files on first use, which fails on machines without internet.
LiteLLM's wheel bundles the same files (named, as in tiktoken's own cache, by the sha1 of
their download URL), so they are read from there first — without importing LiteLLM, which
costs seconds. The encoding is built with tiktoken's own constructor and a private loader,
so nothing global (no environment variable, no module attribute) is patched and threads
that use tiktoken meanwhile are unaffected. Every module that counts tokens goes through
here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import types
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
DEFAULT_ENCODING = "o200k_base"


def bundled_bpe(name: str) -> Path | None:
    """The BPE file LiteLLM ships for ``name``, found without importing LiteLLM."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    key = hashlib.sha1(BPE_URL.format(name=name).encode()).hexdigest()
    for root in spec.submodule_search_locations:
        path = Path(root) / "litellm_core_utils" / "tokenizers" / key
        if path.is_file():
            return path
    return None


def _from_file(name: str, path: Path) -> Any:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from tiktoken_ext import openai_public

    ctor = getattr(openai_public, name)

    def local_loader(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return load_tiktoken_bpe(str(path), expected_hash=expected_hash)

    local_ctor = types.FunctionType(ctor.__code__, {**ctor.__globals__, "load_tiktoken_bpe": local_loader})
    return tiktoken.Encoding(**local_ctor())


@functools.lru_cache(maxsize=8)
def try_encoding(name: str = DEFAULT_ENCODING) -> Any | None:
    """The tiktoken encoding ``name``, or None (logged once) when it cannot be had offline."""
    try:
        path = bundled_bpe(name)
        if path is not None:
            return _from_file(name, path)
        import tiktoken

        return tiktoken.get_encoding(name)
    except Exception as exc:  # not installed, offline without a bundled copy, corrupt cache
        log.warning("tiktoken encoding %s unavailable (%s)", name, exc)
        return None


def get_encoding(name: str = DEFAULT_ENCODING) -> Any:
    """Like ``try_encoding`` but a one-line user error when the encoding cannot be loaded."""
    enc = try_encoding(name)
    if enc is None:
        from .errors import TaskladderError

        raise TaskladderError(
            f"cannot load the {name} tokenizer offline; install litellm (which bundles it) or set "
            "TIKTOKEN_CACHE_DIR to a folder holding it"
        )
    return enc


def encoding_for_model(model: str) -> Any | None:
    """The model's tiktoken encoding when tiktoken knows the model, else the default one."""
    try:
        from tiktoken.model import encoding_name_for_model

        name = encoding_name_for_model(model.rsplit("/", 1)[-1])
    except (ImportError, KeyError):
        name = DEFAULT_ENCODING
    return try_encoding(name)
