"""Decode a data file's bytes: UTF-8, a named encoding, or a guess only when it is unambiguous.

A wrong guess is worse than an error: a Latin-1 file read as cp1257 turns "café naïve" into
"cafķ na’ve" and every score on it is quietly wrong. So a non-UTF-8 file is decoded only
when every plausible candidate gives the same text; otherwise the user names the encoding.

``decoded_lines`` gives the same text as lines, read a piece at a time: a million-row file's bytes
and its text (~50 MB each) are never held whole. The file is checked in one streamed pass
before any line is given, so a bad byte is still an error (or a guess) before any row is read.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import DataError

# charset_normalizer candidates within these margins of the best one are equally plausible.
_CHAOS_MARGIN = 0.1
_GUESSES_SHOWN = 4
_CHUNK = 1 << 20  # bytes read at a time by the streamed check

# One line with its ending, split as ``io.StringIO(text, newline="")`` (or a file opened with
# ``newline=""``) splits it: at \n, \r\n or \r. A generator of these instead of a StringIO:
# StringIO keeps 4 bytes a character, 240 MB for a 60 MB file.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> Iterator[str]:
    return (m.group() for m in _LINE.finditer(text))


def decoded_lines(path: Path, encoding: str | None = None) -> Iterator[str]:
    """``decode_text(path, encoding)`` as lines (endings kept), without holding the file whole.

    Only a file that is not UTF-8 and names no encoding is read whole: its encoding is guessed
    from all of its bytes."""
    if encoding:
        _check_codec(path, encoding)
        bad = _first_bad_line(path, encoding)
        if bad is not None:
            raise _not_valid(path, encoding, bad)
        return _read_lines(path, encoding, strip_bom=True)
    bad = _first_bad_line(path, "utf-8")
    if bad is None:
        return _read_lines(path, "utf-8-sig", strip_bom=False)
    return split_lines(_guess(path, path.read_bytes(), bad))


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The line of the first byte ``encoding`` cannot decode, or None: one pass, a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    newlines = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            held = len(decoder.getstate()[0])  # undecoded bytes carried from the chunk before
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.start counts the carried bytes too; they hold no newline (a partial character).
                return newlines + chunk[: max(0, exc.start - held)].count(b"\n") + 1
            if not chunk:
                return None
            newlines += chunk.count(b"\n")


def _read_lines(path: Path, encoding: str, strip_bom: bool) -> Iterator[str]:
    # newline="": lines split at \n, \r\n or \r with their endings kept, as ``split_lines`` splits.
    with path.open(encoding=encoding, newline="") as fh:
        first = next(fh, None)
        if first is None:
            return
        yield first.removeprefix("\ufeff") if strip_bom else first  # as decode_text strips it
        yield from fh


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
    _check_codec(path, encoding)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _not_valid(path, encoding, raw[: exc.start].count(b"\n") + 1) from None
    return text.removeprefix("\ufeff")


def _check_codec(path: Path, encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            str(path),
            f"unknown encoding '{encoding}'; set `encoding:` under `data:` in task.yaml to a Python "
            "codec name such as utf-8, latin-1 or cp1252",
            field="encoding",
        ) from None


def _not_valid(path: Path, encoding: str, line: int) -> DataError:
    return DataError(
        str(path),
        f"not valid {encoding} near line {line}; fix `encoding:` under `data:` in task.yaml "
        "or re-save the file as UTF-8",
        field="encoding",
    )


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
        str(path),
        f"not UTF-8 (first non-UTF-8 byte near line {line}) and its encoding is uncertain "
        f"(guesses: {guesses}); set `encoding:` under `data:` in task.yaml (e.g. `encoding: latin-1`) "
        "or re-save the file as UTF-8",
        field="encoding",
    )
