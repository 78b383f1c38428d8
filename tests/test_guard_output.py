"""Output checks: loops, regurgitation, JSON schema, language drift."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import shared_path

from taskladder.errors import ConfigError, DataError
from taskladder.guard import Guard, GuardConfig, ProtectedCorpus


def only(check: str, **overrides) -> Guard:
    raw: dict = {"input": {}, "output": {}}
    for name in ("repetition_loop", "regurgitation", "json_schema", "language"):
        raw["output"][name] = {"enabled": name == check}
    raw["output"][check].update(overrides)
    return Guard(GuardConfig.model_validate(raw))


# ---- repetition loops --------------------------------------------------------------------

def test_loop_is_truncated_after_one_copy():
    answer = "The capital of France is Paris. "
    loop = "I hope this helps! " * 12
    d = only("repetition_loop").check_output(answer + loop + "I hope th")
    assert d.decision == "redact"
    # The loop may be reported rotated by a character (" I hope this helps!"): one copy stays.
    assert d.text == answer + "I hope this helps!"
    (f,) = d.findings
    assert len(answer) - 1 <= f.span[0] <= len(answer) and f.score >= 12


def test_long_unit_loop_found():
    para = "This paragraph keeps coming back because the model lost track of where it was. "
    d = only("repetition_loop").check_output("Intro.\n" + para * 5)
    assert d.findings and d.text.strip() == "Intro.\n" + para.strip()


@pytest.mark.parametrize("text", [
    "Step 1: mix. Step 2: bake. Step 3: cool. Step 4: serve.",
    "Yes. Yes. Yes.",  # short and only three times
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
])
def test_no_loop_in_ordinary_answers(text):
    d = only("repetition_loop").check_output(text)
    assert d.decision == "allow" and d.text == text


# ---- regurgitation -----------------------------------------------------------------------

SECRET = ("Our internal pricing formula multiplies the base rate by the regional factor and then "
          "adds a fixed handling fee of twelve dollars for every order shipped overseas.")


def test_regurgitation_reports_span_and_source_and_redacts():
    corpus = ProtectedCorpus(n=12)
    corpus.add("pricing-doc", SECRET)
    corpus.add("other", "completely unrelated text about gardening and tomatoes in the spring season")
    g = Guard(GuardConfig(), corpus=corpus)
    copied = SECRET[SECRET.index("formula"):]
    out = "Sure. The " + copied + " Anything else?"
    d = g.check_output(out)
    f = next(f for f in d.findings if f.check == "regurgitation")
    assert f.source == "pricing-doc"
    assert out[f.span[0]:f.span[1]] == copied.rstrip(".")
    assert f.score == len(copied.split())
    assert d.decision == "redact" and "[redacted]" in d.text and "handling fee" not in d.text


def test_regurgitation_ignores_short_overlaps_and_case_changes_still_match():
    corpus = ProtectedCorpus(n=12)
    corpus.add("doc", SECRET)
    g = Guard(GuardConfig(), corpus=corpus)
    assert g.check_output("The base rate by the regional factor is what we use.").findings == []
    shouted = SECRET.upper()
    assert [f.check for f in g.check_output(shouted).findings] == ["regurgitation"]


def test_regurgitation_corpus_from_config_files(tmp_path):
    (tmp_path / "docs.jsonl").write_text(json.dumps({"id": "d1", "text": SECRET}) + "\n\n")
    (tmp_path / "notes.txt").write_text("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu")
    cfg = tmp_path / "guard.yaml"
    cfg.write_text("output:\n  regurgitation:\n    corpus: [docs.jsonl, notes.txt]\n")
    g = Guard.from_yaml(cfg)
    sources = {f.source for f in g.check_output(SECRET + " and alpha beta gamma delta epsilon zeta eta "
                                                 "theta iota kappa lambda mu").findings}
    assert sources == {"d1", "notes.txt"}


def test_regurgitation_bad_corpus_file_names_the_line(tmp_path):
    bad = tmp_path / "docs.jsonl"
    bad.write_text('{"text": "fine"}\n{"nope": 1}\n')
    with pytest.raises(DataError, match=r"docs.jsonl, row 2, field 'text'"):
        ProtectedCorpus().add_file(bad)


# ---- JSON schema -------------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"label": {"enum": ["yes", "no"]}, "score": {"type": "number"}},
          "required": ["label", "score"], "additionalProperties": False}


@pytest.mark.parametrize("text", ['{"label": "yes", "score": 0.5}', '```json\n{"label": "no", "score": 1}\n```'])
def test_schema_valid_outputs_pass(text):
    assert only("json_schema").check_output(text, schema=SCHEMA).decision == "allow"


@pytest.mark.parametrize("text,needle", [
    ('{"label": "maybe", "score": 0.5}', "label"),
    ('{"label": "yes"}', "score"),
    ('Sure! {"label": "yes", "score": 1}', "not valid JSON"),
    ('{"label": "yes", "score": "high", "extra": 1}', "and 1 more"),
])
def test_schema_violations_block(text, needle):
    d = only("json_schema").check_output(text, schema=SCHEMA)
    assert d.decision == "block"
    assert needle in d.findings[0].message


def test_schema_check_inactive_without_schema_and_bad_schema_is_config_error():
    assert only("json_schema").check_output("not json at all").decision == "allow"
    with pytest.raises(ConfigError, match="schema is invalid"):
        only("json_schema").check_output("{}", schema={"type": "not-a-type"})


# ---- language ----------------------------------------------------------------------------

ES = ("El modelo respondió la pregunta con mucho detalle y explicó cada paso del cálculo, "
      "pero luego siguió escribiendo sin que nadie se lo pidiera.")
EN = ("The model answered the question in great detail and explained each step of the "
      "calculation, but then it kept writing although nobody had asked it to.")


def test_language_drift_from_spanish_to_english_is_flagged():
    text = ES + "\n\n" + EN
    d = only("language").check_output(text, expected_language="es")
    (f,) = d.findings
    assert text[f.span[0]:f.span[1]].strip() == EN
    assert f.score >= 0.9 and "'en'" in f.message
    assert d.decision == "warn" and d.text == text


def test_language_redact_drops_the_drifting_paragraph_and_default_expected_applies():
    g = only("language", action="redact", expected="es")
    d = g.check_output(ES + "\n\n" + EN)
    assert d.text.strip() == ES
    assert only("language").check_output(ES + "\n\n" + EN).findings == []  # no expectation, no check


def test_language_skips_code_and_short_paragraphs():
    text = ES + "\n\nOK\n\n```python\nprint('hello world, this is code not prose')\n```\n\n12345 678 91011 1213 1415 1617"
    assert only("language").check_output(text, expected_language="es").findings == []


def test_language_identifier_on_multi30k_paragraphs():
    """Real captions in three languages: three-caption paragraphs are identified correctly."""
    g = only("language")
    for lang in ("en", "de", "fr"):
        with gzip.open(shared_path("multi30k", f"val.{lang}.gz"), "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()[:300]
        paras = [" ".join(lines[i:i + 3]) for i in range(0, len(lines), 3)]
        wrong = sum(bool(g.check_output(p, expected_language=lang).findings) for p in paras)
        assert wrong <= 1, (lang, wrong)
        # and the same paragraphs are flagged when another language is expected
        other = "es" if lang != "es" else "en"
        flagged = sum(bool(g.check_output(p, expected_language=other).findings) for p in paras)
        assert flagged >= 0.95 * len(paras), (lang, flagged)
