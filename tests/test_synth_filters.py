"""Quality filters: exact and MinHash near-duplicate removal (recall and precision against exact
Jaccard), decontamination against dev/test, schema and format checks, lineage."""

from __future__ import annotations

import gzip
import random
from datetime import datetime

import pytest
from conftest import shared_path
from pydantic import ValidationError

from taskladder.synth import (
    Lineage,
    decontaminate,
    dedup_exact,
    dedup_near,
    filter_format,
    filter_schema,
    jaccard,
    prompt_hash,
    shingles,
)
from taskladder.task import Example, TaskSpec

# --- exact duplicates -------------------------------------------------------------------

def test_exact_dedup_normalises_case_unicode_and_space_and_keeps_first():
    rows = [
        {"id": "a", "text": "Reset my PIN please", "label": "pin"},
        {"id": "b", "text": "reset  my pin\tPLEASE ", "label": "pin"},
        {"id": "c", "text": "Reset my PIN please", "label": "card"},  # same text, other label: kept
        {"id": "d", "text": "Ｒｅｓｅｔ my PIN please", "label": "pin"},  # full-width letters (NFKC)
        {"id": "e", "text": "Reset my PIN, please", "label": "pin"},  # punctuation differs: kept
    ]
    kept, report = dedup_exact(rows)
    assert [r["id"] for r in kept] == ["a", "c", "e"]
    assert report.removed == 2 and report.reasons == {"exact_duplicate": 2}
    assert report.matched == {"b": "a", "d": "a"} and report.kept == 3 and report.total == 5
    only_text, rep2 = dedup_exact(rows, fields=["text"])
    assert [r["id"] for r in only_text] == ["a", "e"] and rep2.removed == 3


# --- near duplicates --------------------------------------------------------------------

def _random_text(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    return rng.choices(vocab, k=n)


def _substitute(rng: random.Random, words: list[str], vocab: list[str], k: int) -> list[str]:
    out = list(words)
    for pos in rng.sample(range(2, len(words) - 2), k):
        out[pos] = rng.choice(vocab) + "x"  # a word no base text has
    return out


def test_minhash_near_dup_recall_and_precision_on_planted_data():
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(3000)]
    bases = [_random_text(rng, vocab, rng.randint(30, 45)) for _ in range(1500)]
    rows = [{"id": f"b{i}", "text": " ".join(w)} for i, w in enumerate(bases)]
    near, far = set(), set()
    for j, i in enumerate(rng.sample(range(len(bases)), 300)):
        w = _substitute(rng, bases[i], vocab, 1)
        text = " ".join(w).upper() + "!!" if j % 2 else " ".join(w)  # case/punctuation noise too
        rows.append({"id": f"near{j}", "text": text, "src": i})
        near.add(f"near{j}")
    for j, i in enumerate(rng.sample(range(len(bases)), 300)):
        rows.append({"id": f"far{j}", "text": " ".join(_substitute(rng, bases[i], vocab, 8)), "src": i})
        far.add(f"far{j}")
    rng.shuffle(rows)  # near-dups may come before their source: the first of a cluster is kept

    # Ground truth from exact Jaccard of the same shingles (what MinHash estimates).
    sh = {r["id"]: shingles(r["text"], 2) for r in rows}
    base_of = {r["id"]: f"b{r['src']}" for r in rows if "src" in r}
    for rid in near:
        assert jaccard(sh[rid], sh[base_of[rid]]) >= 0.85
    for rid in far:
        assert jaccard(sh[rid], sh[base_of[rid]]) <= 0.6

    kept, report = dedup_near(rows, fields=["text"], threshold=0.8)
    removed = {r["id"] for r in rows} - {r["id"] for r in kept}
    # Of each (base, near) pair exactly one must go: whichever comes second.
    expected = set()
    order = {r["id"]: k for k, r in enumerate(rows)}
    for rid in near:
        expected.add(rid if order[rid] > order[base_of[rid]] else base_of[rid])
    true_pos = len(removed & expected)
    recall, precision = true_pos / len(expected), true_pos / max(1, len(removed))
    assert recall >= 0.95, recall
    assert precision >= 0.98, precision
    assert not removed & far  # J <= 0.6 pairs survive
    assert report.removed == len(removed) and report.reasons == {"near_duplicate": len(removed)}
    for rid, match in report.matched.items():  # each example names the earlier kept row it copies
        assert order[match] < order[rid] and match not in removed
        assert jaccard(sh[rid], sh[match]) >= 0.7


def test_near_dup_keeps_first_of_cluster_and_ignores_empty_rows():
    base = "the quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat today"
    rows = ["", base, base.replace("today", "again"), base.upper(), "", "an unrelated sentence about banking fees"]
    kept, report = dedup_near(rows)
    assert kept == ["", base, "", "an unrelated sentence about banking fees"]
    assert report.matched == {"2": "1", "3": "1"}
    with pytest.raises(ValueError):
        dedup_near(rows, threshold=0)


def _multi30k(lang: str) -> list[str]:
    with gzip.open(shared_path("multi30k", f"val.{lang}.gz"), "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def test_near_dup_on_multi30k_matches_brute_force_jaccard():
    en = _multi30k("en")
    rng = random.Random(0)
    rows = [{"id": f"en{i}", "en": s} for i, s in enumerate(en)]
    for j, i in enumerate(rng.sample(range(len(en)), 150)):
        variant = en[i].lower().rstrip(".") + ("." if j % 3 else " today")  # case, punctuation, +1 word
        rows.append({"id": f"v{j}", "en": variant})
    rng.shuffle(rows)
    kept, _ = dedup_near(rows, threshold=0.8)
    removed = {r["id"] for r in rows} - {r["id"] for r in kept}

    # Brute force: the rows that have an earlier kept row with exact Jaccard >= 0.8.
    sh = [shingles(r["en"], 2) for r in rows]
    truth: set[str] = set()
    kept_idx: list[int] = []
    for k, r in enumerate(rows):
        if any(jaccard(sh[k], sh[m]) >= 0.8 for m in kept_idx):
            truth.add(r["id"])
        else:
            kept_idx.append(k)
    assert len(truth) >= 150  # every planted variant is a true near-duplicate
    recall = len(removed & truth) / len(truth)
    precision = len(removed & truth) / max(1, len(removed))
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)


# --- decontamination --------------------------------------------------------------------

def test_decontamination_rule_boundaries():
    long_test = " ".join(f"t{i}" for i in range(30))  # 30 distinct words
    short_test = "a b c d e f g h i j"  # 10 words: the 8-gram rule applies
    tiny_test = "reset my card pin"  # 4 words: only identical text counts
    evals = {"dev": [{"id": "d1", "q": short_test}], "test": [{"id": "x1", "q": long_test}, {"id": "x2", "q": tiny_test}]}
    words13 = " ".join(f"t{i}" for i in range(5, 18))
    words12 = " ".join(f"t{i}" for i in range(5, 17))
    rows = [
        {"id": "has13", "q": f"intro words here {words13} and more filler text"},
        {"id": "has12", "q": f"intro words here {words12} and more filler text"},  # 12 < 13 and both long
        {"id": "short8", "q": "z c d e f g h i j"},  # 9 words, shares 8-run with a 10-word dev text
        {"id": "long8", "q": "one two three four five six c d e f g h i j k"},  # long row, short eval text
        {"id": "tiny", "q": "Reset my card PIN!"},
        {"id": "contains_tiny", "q": "please reset my card pin now"},
        {"id": "clean", "q": "nothing in common with anything at all here"},
    ]
    kept, report = decontaminate(rows, evals, fields=["q"])
    assert [r["id"] for r in kept] == ["has12", "contains_tiny", "clean"]
    assert report.reasons == {"shared_13gram:test": 1, "shared_8gram:dev": 2, "identical_short_text:test": 1}
    assert report.matched == {"has13": "test:x1", "short8": "dev:d1", "long8": "dev:d1", "tiny": "test:x2"}
    assert "13" in report.rule and "8" in report.rule


def test_decontamination_checks_outputs_too_and_takes_examples():
    test = [Example(id="t1", inputs={"q": "What is the capital city of France and why?"},
                    outputs={"a": "Paris is the capital city of France because of history and power"})]
    rows = [
        {"id": "leak_answer", "q": "Unrelated question", "a": "Paris is the capital city of France because of history and power"},
        {"id": "ok", "q": "Name a colour", "a": "blue"},
    ]
    kept, report = decontaminate(rows, test)
    assert [r["id"] for r in kept] == ["ok"] and report.matched == {"leak_answer": "eval:t1"}


def test_decontamination_on_multi30k_catches_planted_leaks():
    en = _multi30k("en")
    test = [{"id": f"t{i}", "en": s} for i, s in enumerate(en[:400])]
    train = [{"id": f"r{i}", "en": s} for i, s in enumerate(en[400:])]
    rng = random.Random(1)
    planted, embedded_short = set(), set()
    for j, i in enumerate(rng.sample(range(400), 60)):
        cap = en[i]
        if j % 2:
            text = cap.upper()  # the same caption, re-cased
            planted.add(f"leak{j}")
        else:
            text = f"Photo note, summer archive: {cap} Scanned from the album."
            # a caption under 8 words inside a longer text is not a leak by the stated rule
            (planted if len(cap.split()) >= 8 else embedded_short).add(f"leak{j}")
        train.append({"id": f"leak{j}", "en": text})
    assert len(planted) >= 50 and embedded_short  # the sample exercises both sides of the rule
    kept, report = decontaminate(train, {"test": test})
    removed = {r["id"] for r in train} - {r["id"] for r in kept}
    assert removed == planted
    assert report.removed == len(planted) and sum(report.reasons.values()) == len(planted)


# --- schema / format --------------------------------------------------------------------

def test_schema_filter_reports_each_reason():
    spec = TaskSpec(
        name="t", inputs=["text"], data={"file": "x.csv"},
        outputs={"label": {"type": "label", "labels": ["pin", "card"]}, "amount": "number", "meta": "json"},
    )
    rows = [
        {"id": "ok", "text": "reset pin", "label": "pin", "amount": "12.5", "meta": '{"a": 1}'},
        {"id": "noin", "label": "pin", "amount": 1, "meta": "{}"},
        {"id": "empty", "text": "  ", "label": "pin", "amount": 1, "meta": "{}"},
        {"id": "badlabel", "text": "x", "label": "loan", "amount": 1, "meta": "{}"},
        {"id": "nan", "text": "x", "label": "card", "amount": "twelve", "meta": "{}"},
        {"id": "badjson", "text": "x", "label": "card", "amount": 3, "meta": "{oops"},
        Example(id="ex", inputs={"text": "card lost"}, outputs={"label": "card", "amount": 0, "meta": {"k": 2}}),
    ]
    kept, report = filter_schema(rows, spec)
    assert [r["id"] if isinstance(r, dict) else r.id for r in kept] == ["ok", "ex"]
    assert report.reasons == {
        "missing_field:text": 1, "empty_field:text": 1, "unknown_label:label": 1,
        "not_a_number:amount": 1, "invalid_json:meta": 1,
    }
    assert report.examples == ["noin", "empty", "badlabel", "nan", "badjson"]


def test_format_filter_uses_validator_checks():
    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    rows = [good, {"messages": [{"role": "user", "content": "hi"}]}, {"prompt": "p", "chosen": "a", "rejected": "a"}]
    kept, report = filter_format(rows, "openai-chat")
    assert kept == [good] and report.reasons == {"no_assistant_message": 1, "unknown_key": 1}
    kept, report = filter_format(rows[2:], "dpo")
    assert kept == [] and report.reasons == {"identical_pair": 1}


# --- lineage ----------------------------------------------------------------------------

def test_lineage_is_typed_frozen_and_round_trips():
    msgs = [{"role": "user", "content": "Translate: a dog"}]
    lin = Lineage(source_ids=["r1"], transform="field_flip", model="scripted", prompt_hash=prompt_hash(msgs),
                  params={"rationalized": False})
    assert prompt_hash(msgs) == prompt_hash([{"content": "Translate: a dog", "role": "user"}])  # key order
    assert prompt_hash(msgs) != prompt_hash([{"role": "user", "content": "Translate: a cat"}])
    assert isinstance(lin.created_at, datetime) and lin.created_at.tzinfo is not None
    assert Lineage.model_validate_json(lin.model_dump_json()) == lin
    with pytest.raises(ValidationError):
        lin.transform = "other"  # frozen: lineage is a record, not a scratchpad
    with pytest.raises(ValidationError):
        Lineage(transform="x")  # source ids are required
