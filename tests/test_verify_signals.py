"""chrF / back-translation, JSON-schema checks, and verifier-then-judge selection."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from conftest import shared_path

from taskladder.errors import ConfigError
from taskladder.rank import SequentialHalving
from taskladder.verify import (
    BackTranslationVerifier,
    JsonSchemaVerifier,
    VerifyResult,
    aselect,
    back_translation_score,
    check_json,
    chrf,
    pairwise_ranker,
    select,
)


def test_chrf_matches_hand_computed_values():
    # chrF: 'abc' vs 'abd' -> char 1-grams 2/3, 2-grams 1/2, 3-grams 0: mean P = mean R = 0.3889
    assert chrf("abc", "abd", word_order=0) == pytest.approx(38.8889, abs=1e-3)
    # recall-weighted (beta=2): P = 1, R = (1/2 + 1/3) / 2 -> F2 = 5PR / (4P + R) = 47.17
    assert chrf("ab", "abcd", word_order=0) == pytest.approx(47.1698, abs=1e-3)
    # chrF++ adds word 1-grams (1/2) and 2-grams (0) to char orders 1-4 (3/4, 2/3, 1/2, 0)
    assert chrf("ab cd", "ab ce") == pytest.approx(100 * (0.75 + 2 / 3 + 0.5 + 0 + 0.5 + 0) / 6, abs=1e-3)
    assert chrf("same words", "same words") == 100.0 and chrf("", "abc") == 0.0


def test_back_translation_prefers_faithful_round_trips():
    lines = gzip.open(shared_path("multi30k", "val.en.gz"), "rt", encoding="utf-8").read().splitlines()[:60]
    faithful = [back_translation_score(s, s.replace("A ", "One ", 1)) for s in lines]
    unrelated = [back_translation_score(s, lines[(k + 7) % len(lines)]) for k, s in enumerate(lines)]
    assert all(0 <= x <= 1 for x in faithful + unrelated)
    assert np.mean(faithful) > 0.7 > 0.4 > np.mean(unrelated)
    assert sum(f > u for f, u in zip(faithful, unrelated)) == len(lines)


def test_back_translation_verifier_with_injected_translator_and_embeddings():
    source = "The cat sleeps on the red sofa."
    good = BackTranslationVerifier(source, lambda fr: "The cat sleeps on the red couch.", threshold=0.6)
    bad = BackTranslationVerifier(source, lambda fr: "A dog runs in the park.", threshold=0.6)
    assert good("Le chat dort sur le canapé rouge.").passed
    res = bad("Un chien court dans le parc.")
    assert not res.passed and "back-translation" in res.detail and res.info["back_translation"].startswith("A dog")
    embed = lambda texts: np.array([[1.0, 0.0], [0.6, 0.8]])
    assert back_translation_score("x", "y", embed=embed) == pytest.approx(0.6)


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "amount": {"type": "number", "minimum": 0}},
    "required": ["name", "amount"],
    "additionalProperties": False,
}


def test_json_schema_check():
    assert check_json('{"name": "ACME", "amount": 12.5}', SCHEMA).passed
    assert check_json('```json\n{"name": "ACME", "amount": 1}\n```', SCHEMA).passed
    neg = check_json('{"name": "ACME", "amount": -1}', SCHEMA)
    assert not neg.passed and neg.detail.startswith("amount:")
    missing = check_json('{"name": "ACME"}', SCHEMA)
    assert not missing.passed and "amount" in missing.detail
    broken = check_json('{"name": "ACME", ', SCHEMA)
    assert not broken.passed and "not valid JSON" in broken.detail
    with pytest.raises(ConfigError, match="schema"):
        check_json("{}", {"type": "no-such-type"})


def test_select_filters_by_verifiers_then_ranks_survivors():
    candidates = ['{"name": "A", "amount": 1}', "not json", '{"name": "B", "amount": 5, "x": 1}',
                  '{"name": "C", "amount": 30}', '{"name": "D", "amount": 2}']
    calls = []

    def not_d(text: str) -> VerifyResult:
        calls.append(text)
        return VerifyResult(passed='"D"' not in text)

    by_amount = lambda texts: sorted(range(len(texts)), key=lambda k: -check_json_amount(texts[k]))
    sel = select(candidates, [JsonSchemaVerifier(SCHEMA), not_d], by_amount)
    assert sel.survivors == [3, 0] and sel.best == 3 and sel.text == candidates[3]
    assert len(sel.checks[1]) == 1  # the schema failure stopped the chain before the second verifier
    assert len(calls) == 3
    none = select(["nope"], [JsonSchemaVerifier(SCHEMA)])
    assert none.best is None and none.text is None


def check_json_amount(text: str) -> float:
    import json

    return json.loads(text)["amount"]


async def test_aselect_with_a_pairwise_judge():
    candidates = ["def f(): return 1", "def f(:", "def f():\n    '''Doc.'''\n    return 1", "def f(): pass"]

    def compiles(text: str) -> VerifyResult:
        try:
            compile(text, "c", "exec")
            return VerifyResult(passed=True)
        except SyntaxError as exc:
            return VerifyResult(passed=False, detail=str(exc))

    async def judge(item_input, a, b, rubric):  # prefers documented code, then returns over pass
        score = lambda t: ("'''" in t) * 2 + ("return" in t)
        return "tie" if score(a) == score(b) else ("a" if score(a) > score(b) else "b")

    ranker = pairwise_ranker(judge, item_input="write f", schedule=SequentialHalving(budget=12), stop_at=None)
    sel = await aselect(candidates, [compiles], ranker)
    assert sel.best == 2 and sel.survivors[0] == 2 and 1 not in sel.survivors and len(sel.survivors) == 3
