"""Decode a data file's bytes: UTF-8, a named encoding, or a guess only when it is unambiguous.

A wrong guess is worse than an error: a Latin-1 file read as cp1257 turns "café naïve" into
"cafķ na’ve" and every score on it is quietly wrong. So a non-UTF-8 file is decoded only
when every plausible candidate gives the same text; otherwise the user names the encoding.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import DataError

# charset_normalizer candidates within these margins of the best one are equally plausible.
_CHAOS_MARGIN = 0.1
_GUESSES_SHOWN = 4


def decode_text(path: Path, encoding: str | None = None) -> str:
    raw = path.read_bytes()
    if encoding:
        return _decode_named(path, raw, encoding)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _guess(path, raw, line)


def _decode_named(path: Path, raw: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            str(path), f"unknown encoding '{encoding}'; set `encoding:` under `data:` in task.yaml to a Python "
            "codec name such as utf-8, latin-1 or cp1252", field="encoding",
        ) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            str(path), f"not valid {encoding} near line {line}; fix `encoding:` under `data:` in task.yaml "
            "or re-save the file as UTF-8", field="encoding",
        ) from None
    return text.removeprefix("\ufeff")


def _guess(path: Path, raw: bytes, line: int) -> str:
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(raw) if m.encoding not in (None, "ascii")]
    if not matches:
        raise DataError(str(path), f"unreadable encoding near line {line} (not UTF-8); re-save the file as UTF-8")
    best_chaos = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= best_chaos + _CHAOS_MARGIN]
    texts = {str(m) for m in plausible}
    if len(texts) == 1:  # every plausible encoding reads the same text: the choice cannot matter
        return texts.pop()
    guesses = ", ".join(m.encoding for m in plausible[:_GUESSES_SHOWN])
    raise DataError(
        str(path), f"not UTF-8 (first non-UTF-8 byte near line {line}) and its encoding is uncertain "
        f"(guesses: {guesses}); set `encoding:` under `data:` in task.yaml (e.g. `encoding: latin-1`) "
        "or re-save the file as UTF-8", field="encoding",
    )
