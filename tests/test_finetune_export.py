"""Exports: every format and style writes files that pass validate_file; seeded, grouped
train/validation split; DPO pairs from pairwise wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskladder.errors import TaskladderError
from taskladder.finetune import (
    ExportRow,
    PairwiseWin,
    build_chat,
    build_dpo,
    export_chat,
    export_dpo,
    split_train_validation,
    validate_file,
)
from taskladder.synth import Lineage


def _rows(n: int = 30) -> list[ExportRow]:
    rows = []
    for i in range(n):
        a, b = i, i + 7
        rows.append(
            ExportRow(
                id=f"r{i}",
                input=f"What is {a} + {b}?",
                output=str(a + b),
                reasoning=f"{a} plus {b}: add the ones, then the tens, giving {a + b}.",
                system="Answer with a number." if i % 2 else None,
            )
        )
    # prompt given as message pieces (a prior turn), not as input text
    rows.append(
        ExportRow(
            id="pieces",
            messages=[
                {"role": "system", "content": "You translate EN to FR."},
                {"role": "user", "content": "A dog."},
                {"role": "assistant", "content": "Un chien."},
                {"role": "user", "content": "A cat."},
            ],
            output="Un chat.",
            reasoning="cat is chat",
        )
    )
    return rows


def _read(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("fmt", ["openai-chat", "hf-messages"])
@pytest.mark.parametrize("style", ["answer", "two_message", "think"])
def test_chat_exports_validate(tmp_path, fmt, style):
    rows = _rows()
    result = export_chat(rows, tmp_path, fmt=fmt, style=style, validation_fraction=0.2, seed=3)
    assert result.train_rows + result.validation_rows == len(rows)
    assert result.validation_rows == round(0.2 * len(rows))
    for path in (result.train_path, result.validation_path):
        report = validate_file(path, fmt)
        assert report.ok, report.problems
    records = _read(result.train_path) + _read(result.validation_path)
    by_answer = {r.output: r for r in rows}
    for rec in records:
        msgs = rec["messages"]
        assistants = [m for m in msgs if m["role"] == "assistant"]
        final = assistants[-1]["content"]
        if style == "answer":
            assert final in by_answer
        elif style == "think":
            assert final.startswith("<think>\n") and "\n</think>\n\n" in final
            answer = final.split("\n</think>\n\n", 1)[1]
            assert by_answer[answer].reasoning in final
        else:
            assert msgs[-2] == {"role": "user", "content": "Now give only the final answer."}
            assert by_answer[final].reasoning == msgs[-3]["content"] and msgs[-3]["role"] == "assistant"


def test_answer_only_record_shape():
    row = ExportRow(input="Hi there", output="greeting", system="Classify.")
    assert build_chat([row]) == [
        {"messages": [
            {"role": "system", "content": "Classify."},
            {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "greeting"},
        ]}
    ]


def test_rows_that_would_not_validate_are_skipped_and_counted(tmp_path):
    rows = _rows(10) + [
        ExportRow(id="noreason", input="q", output="a"),
        ExportRow(id="nooutput", input="q", output="  "),
        ExportRow(id="noinput", input="", output="a", reasoning="r"),
    ]
    result = export_chat(rows, tmp_path, style="think", validation_fraction=0.0)
    assert result.skipped == {"no_reasoning": 1, "empty_output": 1, "empty_prompt": 1}
    assert result.train_rows == 11 and result.validation_path is None
    assert validate_file(result.train_path, "openai-chat").ok


def test_two_message_reasoning_can_be_left_untrained_in_openai_chat(tmp_path):
    result = export_chat(_rows(5), tmp_path, style="two_message", train_reasoning=False, validation_fraction=0)
    recs = _read(result.train_path)
    assert all(r["messages"][-3]["weight"] == 0 for r in recs)
    assert validate_file(result.train_path, "openai-chat").ok
    with pytest.raises(TaskladderError):
        export_chat(_rows(5), tmp_path, fmt="dpo")


def test_split_is_seeded_and_keeps_sources_together():
    items = list(range(100))
    a = split_train_validation(items, validation_fraction=0.2, seed=7)
    b = split_train_validation(items, validation_fraction=0.2, seed=7)
    c = split_train_validation(items, validation_fraction=0.2, seed=8)
    assert a == b and a != c
    train, valid = a
    assert len(valid) == 20 and sorted(train + valid) == items and train == sorted(train)

    # flipped rows (lineage source r3 for both directions) must not straddle the split
    rows = []
    for i in range(40):
        lin = Lineage(source_ids=[f"src{i}"], transform="field_flip")
        rows.append(ExportRow(id=f"en-fr-{i}", input=f"en {i}", output=f"fr {i}", lineage=lin))
        rows.append(ExportRow(id=f"fr-en-{i}", input=f"fr {i}", output=f"en {i}", lineage=lin))
    for seed in range(5):
        train, valid = split_train_validation(rows, validation_fraction=0.25, seed=seed, group=lambda r, i: r.group_key(i))
        src = lambda part: {r.lineage.source_ids[0] for r in part}
        assert not src(train) & src(valid)
        assert len(valid) == 20


def test_dpo_export_from_pairwise_wins(tmp_path):
    wins = []
    for i in range(20):
        prompt = f"Summarise note {i}: the meeting moved from Monday to Friday {i}."
        wins.append((prompt, f"Meeting {i} moved to Friday.", f"Something about meeting {i}."))
        wins.append(PairwiseWin(prompt=prompt, chosen=f"Meeting {i}: now Friday.", rejected=f"Monday {i}."))
    wins.append(("p", "same", "same"))  # a tie teaches nothing
    wins.append(wins[0])  # repeated pair
    conv = [{"role": "user", "content": "Capital of France?"}]
    wins.append(PairwiseWin(prompt=conv, chosen="Paris.", rejected="Lyon."))

    result = export_dpo(wins, tmp_path, validation_fraction=0.2, seed=1)
    assert result.skipped == {"tie": 1, "repeated_pair": 1}
    assert result.train_rows + result.validation_rows == 41
    for path in (result.train_path, result.validation_path):
        assert validate_file(path, "dpo").ok
    train, valid = _read(result.train_path), _read(result.validation_path)
    prompts = lambda recs: {json.dumps(r["prompt"]) for r in recs}
    assert not prompts(train) & prompts(valid)  # both pairs of a prompt stay on one side
    conv_rec = [r for r in train + valid if isinstance(r["prompt"], list)]
    assert conv_rec == [{"prompt": conv, "chosen": [{"role": "assistant", "content": "Paris."}],
                         "rejected": [{"role": "assistant", "content": "Lyon."}]}]
    assert build_dpo([("q", "a", "b")]) == [{"prompt": "q", "chosen": "a", "rejected": "b"}]
