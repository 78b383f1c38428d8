"""Plain data to one JSON line and back, for values crossing between sandbox processes.

Only exact builtin types travel (not subclasses), so whatever the untrusted side sends
decodes to objects whose ``==`` is Python's own: a value whose ``__eq__`` always answers
True cannot cross. Tuples, sets, dicts with any hashable keys, bytes and complex numbers
are tagged so they come back as the same type. Loaded by the sandbox harnesses from this
file (they run with ``-I``, without the package on their path), so it imports nothing
but the standard library.
"""

import json

_MAX_DEPTH = 200


class CodecError(TypeError):
    pass


def _enc(value, depth):
    if depth > _MAX_DEPTH:
        raise CodecError("value nested too deeply to compare")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"__t": "float", "v": repr(value)}  # keeps nan/inf, and 1.0 apart from 1
    if kind is list:
        return [_enc(v, depth + 1) for v in value]
    if kind is tuple:
        return {"__t": "tuple", "v": [_enc(v, depth + 1) for v in value]}
    if kind in (set, frozenset):
        return {"__t": kind.__name__, "v": [_enc(v, depth + 1) for v in value]}
    if kind is dict:
        return {"__t": "dict", "v": [[_enc(k, depth + 1), _enc(v, depth + 1)] for k, v in value.items()]}
    if kind is bytes:
        return {"__t": "bytes", "v": value.hex()}
    if kind is complex:
        return {"__t": "complex", "v": [repr(value.real), repr(value.imag)]}
    raise CodecError(f"a {kind.__name__} value cannot be compared by the verifier; return plain data "
                     "(None, bool, int, float, str, bytes, list, tuple, dict, set)")


def encode(value):
    """``value`` as one line of JSON; CodecError for anything but plain builtin data."""
    return json.dumps(_enc(value, 0), separators=(",", ":"))


def _dec(obj, depth):
    if depth > _MAX_DEPTH:
        raise CodecError("value nested too deeply")
    kind = type(obj)
    if obj is None or kind in (bool, int, str):
        return obj
    if kind is list:
        return [_dec(v, depth + 1) for v in obj]
    if kind is dict and set(obj) == {"__t", "v"}:
        tag, raw = obj["__t"], obj["v"]
        if tag == "float" and type(raw) is str:
            return float(raw)
        if tag == "bytes" and type(raw) is str:
            return bytes.fromhex(raw)
        if tag == "complex" and type(raw) is list and len(raw) == 2:
            return complex(float(raw[0]), float(raw[1]))
        if type(raw) is list:
            items = [_dec(v, depth + 1) for v in raw]
            if tag == "tuple":
                return tuple(items)
            if tag == "set":
                return set(items)
            if tag == "frozenset":
                return frozenset(items)
            if tag == "dict" and all(type(p) is list and len(p) == 2 for p in items):
                return {k: v for k, v in items}
    raise CodecError("malformed value from the other side of the sandbox")


def decode(line):
    """The plain value ``encode`` wrote; CodecError for anything else (never another type)."""
    try:
        return _dec(json.loads(line), 0)
    except (ValueError, RecursionError, TypeError) as exc:
        raise CodecError(f"malformed value from the other side of the sandbox: {exc}") from None
