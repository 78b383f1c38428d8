"""The canonical JSON built without ``json.dumps`` per call is ``json.dumps``'s text, to the byte.

Call keys hash it and the cache stores it as the request, so one differing byte would make
every cached call a miss (and a paid call again)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random

import pytest

from taskladder.models.config import ModelConfig
from taskladder.runner.calls import ModelCaller, call_key, canonical_request, exact_call_key, request_json
from taskladder.store import Store
from taskladder.store.keys import answer_key, canonical_json, expected_key, json_encoder

CANONICAL = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}

TEXTS = [
    "",
    "plain",
    "é ñ ü",
    "日本語のテキスト",
    "emoji 🙂👍🏽",
    'quote " and \\ backslash',
    "tab\tnew\nline\r",
    "\x00\x1f control",
    "\u2028\u2029 separators",
    "</script>",
    "a" * 300,
]
NUMBERS = [0, 1, -7, 2**70, 0.0, -0.0, 0.1, 1e-300, 1.5e300, 3.0, float("inf"), float("-inf"), True, False]
SCALARS = [*TEXTS, *NUMBERS, None]


def _value(rng: random.Random, depth: int = 0):
    kind = rng.random()
    if depth > 3 or kind < 0.5:
        return rng.choice(SCALARS)
    if kind < 0.75:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(TEXTS) + str(i): _value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def _messages(rng: random.Random) -> list[dict]:
    out = []
    for _ in range(rng.randint(1, 6)):
        message = {"role": rng.choice(["system", "user", "assistant"]), "content": rng.choice(TEXTS)}
        if rng.random() < 0.2:  # tool calls, names, images: whatever else a message may carry
            message[rng.choice(["name", "tool_calls", "content_parts", "Z", "a"])] = _value(rng, 1)
        out.append(message)
    return out


def _params(rng: random.Random) -> dict:
    params = {"temperature": rng.choice([0, 0.0, 0.7, 1, -0.0])}
    for name in rng.sample(["max_tokens", "top_p", "n", "logprobs", "stop", "response_format", "seed", "ü"], 3):
        params[name] = _value(rng, 1)
    return params


def test_canonical_json_is_json_dumps_for_every_kind_of_value():
    rng = random.Random(0)
    values = [
        *SCALARS,
        "\ud800 lone surrogate",
        [],
        {},
        {"b": 1, "a": 2, "B": 3, "é": 4, "": 5},
        *(_value(rng) for _ in range(2000)),
    ]
    for value in values:
        assert canonical_json(value) == json.dumps(value, **CANONICAL)


def test_nan_is_written_as_json_dumps_writes_it():
    assert canonical_json([math.nan, {"x": math.nan}]) == json.dumps([math.nan, {"x": math.nan}], **CANONICAL)


@pytest.mark.parametrize(
    "options",
    [{}, {"ensure_ascii": False}, CANONICAL, {"sort_keys": True}, {"separators": (",", ":"), "allow_nan": False}],
)
def test_json_encoder_is_json_dumps_with_the_same_options(options):
    rng = random.Random(1)
    encode = json_encoder(**options)
    for value in [_value(rng) for _ in range(300)]:
        try:
            expected = json.dumps(value, **options)
        except ValueError:  # allow_nan=False and an infinity: both refuse it
            with pytest.raises(ValueError):
                encode(value)
            continue
        assert encode(value) == expected


def test_a_value_json_cannot_write_fails_as_json_dumps_fails():
    with pytest.raises(TypeError, match="not JSON serializable"):
        canonical_json({"x": object()})


def test_record_keys_are_the_canonical_json_of_the_values():
    prediction = {"label": "pós", "score": 1.0, "b": [1, None]}
    assert answer_key(prediction, "raw") == json.dumps(prediction, **CANONICAL)
    assert answer_key(None, "räw") == "raw:räw"
    assert expected_key({"z": 1, "a": "日本"}) == json.dumps({"z": 1, "a": "日本"}, **CANONICAL)


def test_a_request_from_its_parts_is_the_whole_request_as_canonical_json():
    rng = random.Random(2)
    for _ in range(1000):
        identity = {"model": rng.choice(TEXTS), "api_base": rng.choice([None, "http://x/v1"]), "extra": _value(rng, 1)}
        messages, params, sample = _messages(rng), _params(rng), rng.randint(0, 10)
        whole = json.dumps({"model": identity, "messages": messages, "params": params, "sample": sample}, **CANONICAL)
        assert canonical_request(identity, messages, params, sample) == whole
        assert request_json(json.dumps(identity, **CANONICAL), messages, params, sample) == whole
        assert exact_call_key(identity, messages, params, sample) == hashlib.sha256(whole.encode()).hexdigest()


def test_a_caller_keys_and_stores_its_requests_as_before(tmp_path):
    """The caller encodes its model's identity once; its keys and the request it stores are
    still those of the whole request as ``json.dumps`` writes it."""
    store = Store(tmp_path / "s.sqlite")
    cfg = ModelConfig(name="m", model="openai/ünï", api_base="http://127.0.0.1:9/v1", params={"top_p": 0.5})
    caller = ModelCaller(cfg, store)
    rng = random.Random(3)
    for _ in range(200):
        messages, params = _messages(rng), caller.params(_params(rng))
        sample = rng.randint(0, 3)
        uncapped = {k: v for k, v in params.items() if k != "max_tokens"}
        whole = json.dumps(
            {"model": cfg.identity(), "messages": messages, "params": uncapped, "sample": sample}, **CANONICAL
        )
        assert caller.key(messages, params, sample) == hashlib.sha256(whole.encode()).hexdigest()
        assert caller.key(messages, params, sample) == call_key(cfg.identity(), messages, params, sample)


class _Echo:
    async def complete(self, messages, params):
        from taskladder.models.llm import CallResult

        return CallResult(texts=["ok"], input_tokens=3, output_tokens=1, latency_ms=1.0)


def test_a_paid_call_stores_the_request_json_dumps_would_write(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    cfg = ModelConfig(name="m", model="openai/test", api_base="http://127.0.0.1:9/v1")
    caller = ModelCaller(cfg, store, client=_Echo())
    rng = random.Random(4)
    # Parameters a provider takes (max_tokens a number), with nested and non-ASCII values.
    sent = [(_messages(rng), {**_params(rng), "max_tokens": rng.choice([5, 1, 100])}) for _ in range(20)]
    sent += [(_messages(rng), {"temperature": 0.7, "stop": ["ü", "\n"], "response_format": {"type": "json"}})]

    async def run() -> None:
        for messages, params in sent:
            await caller.call(messages, params)

    asyncio.run(run())
    stored = dict(store._db.execute("SELECT key, request FROM calls").fetchall())
    for messages, params in sent:
        full = caller.params(params)
        whole = json.dumps({"model": cfg.identity(), "messages": messages, "params": full, "sample": 0}, **CANONICAL)
        key = caller.key(messages, full)
        # Capped calls (max_tokens) are stored under the key without the cap, or under their exact key.
        assert stored.get(key, stored.get(hashlib.sha256(whole.encode()).hexdigest())) == whole
