"""The fine-tuning validator: every broken line caught with its line number, valid files pass,
the CLI's --json shape and exit codes, tokens against a model's limit and price."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.errors import DataError, TaskladderError
from taskladder.finetune import validate_file

FIX = Path(__file__).parent / "fixtures" / "finetune"

# line -> the categories that line must (and alone may) raise; lines not listed are valid.
BROKEN_CHAT = {
    2: {"invalid_json"},
    3: {"messages_not_list"},
    4: {"unknown_role"},
    5: {"empty_content"},
    6: {"non_string_content"},
    7: {"no_assistant_message"},
    8: {"unknown_key"},
    9: {"unknown_key"},
    10: {"invalid_weight"},
    11: {"missing_field"},
    12: {"not_an_object"},
    13: {"blank_line"},
    14: {"missing_content"},
    15: {"message_not_object"},
    16: {"empty_messages"},
    17: {"invalid_field_type"},
    18: {"invalid_utf8"},
}
BROKEN_DPO = {
    2: {"missing_field"},
    3: {"invalid_field_type"},
    4: {"identical_pair"},
    5: {"no_assistant_message"},
    6: {"empty_content"},
    7: {"unknown_key"},
    8: {"unknown_role"},
}


def _by_line(report) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for p in report.problems:
        found.setdefault(p.line, set()).add(p.category)
    return found


@pytest.mark.parametrize(
    "name, fmt, expected, total",
    [("broken.jsonl", "openai-chat", BROKEN_CHAT, 19), ("broken_dpo.jsonl", "dpo", BROKEN_DPO, 9)],
)
def test_each_broken_line_is_caught_with_its_line_number(name, fmt, expected, total):
    report = validate_file(FIX / name, fmt, count_tokens=False)
    assert report.lines == total
    assert _by_line(report) == expected
    assert report.invalid_lines == len(expected)
    assert report.valid_lines == total - len(expected)
    for cat in {c for cats in expected.values() for c in cats}:
        assert report.lines_by_category[cat] == sorted(ln for ln, cats in expected.items() if cat in cats)
        assert report.counts[cat] == len(report.lines_by_category[cat])
    assert not report.ok


@pytest.mark.parametrize(
    "name, fmt", [("valid_openai.jsonl", "openai-chat"), ("valid_hf.jsonl", "hf-messages"), ("valid_dpo.jsonl", "dpo")]
)
def test_valid_files_pass_with_exit_0(name, fmt):
    result = CliRunner().invoke(app, ["validate", str(FIX / name), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout
    report = validate_file(FIX / name, fmt)
    assert report.ok and report.problems == []
    assert report.tokens is not None and report.tokens.examples == report.lines
    assert all(t.tokens > 0 for t in report.token_counts)


def test_format_matters_openai_only_keys_fail_as_hf_messages():
    # weight, tools and parallel_tool_calls are OpenAI-only; HF messages rejects them.
    report = validate_file(FIX / "valid_openai.jsonl", "hf-messages", count_tokens=False)
    assert set(report.counts) == {"unknown_key"}
    assert report.lines_by_category["unknown_key"] == [3, 4]


def test_cli_json_lists_every_problem_and_exits_1():
    result = CliRunner().invoke(app, ["validate", str(FIX / "broken.jsonl"), "--format", "openai-chat", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert doc["ok"] is False
    assert {(p["line"], p["category"]) for p in doc["problems"]} == {
        (ln, c) for ln, cats in BROKEN_CHAT.items() for c in cats
    }
    assert all(set(p) == {"line", "category", "message"} and p["message"] for p in doc["problems"])
    assert doc["counts"]["unknown_key"] == 2 and doc["invalid_lines"] == len(BROKEN_CHAT)
    # token stats cover the two valid lines only, and training tokens = per-epoch total x epochs
    assert [t["line"] for t in doc["token_counts"]] == [1, 19]
    assert doc["training_tokens"] == doc["tokens"]["total"] * doc["epochs"] == doc["tokens"]["total"] * 3
    assert doc["training_price_usd"] is None and doc["price_note"].startswith("unknown")


def test_cli_exit_2_for_missing_file_and_bad_arguments(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.jsonl"), "--format", "dpo"])
    assert missing.exit_code == 2 and "nope.jsonl" in missing.output
    bad_format = runner.invoke(app, ["validate", str(FIX / "valid_dpo.jsonl"), "--format", "alpaca"])
    assert bad_format.exit_code == 2
    bad_epochs = runner.invoke(app, ["validate", str(FIX / "valid_dpo.jsonl"), "--format", "dpo", "--epochs", "0"])
    assert bad_epochs.exit_code == 2


def test_library_errors_are_user_errors(tmp_path):
    with pytest.raises(DataError):
        validate_file(tmp_path / "missing.jsonl", "openai-chat")
    with pytest.raises(TaskladderError):
        validate_file(FIX / "valid_dpo.jsonl", "alpaca")


def test_empty_file_and_crlf_lines(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    report = validate_file(empty, "openai-chat")
    assert not report.ok and report.counts == {"empty_file": 1}
    crlf = tmp_path / "crlf.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
    crlf.write_bytes((line + "\r\n" + line + "\r\n").encode())
    report = validate_file(crlf, "openai-chat", count_tokens=False)
    assert report.ok and report.lines == 2


def test_epochs_multiply_training_tokens():
    one = validate_file(FIX / "valid_hf.jsonl", "hf-messages", epochs=1)
    four = validate_file(FIX / "valid_hf.jsonl", "hf-messages", epochs=4)
    assert one.training_tokens == one.tokens.total == sum(t.training_tokens for t in one.token_counts)
    assert four.training_tokens == 4 * one.training_tokens


def test_dpo_trains_prompt_with_each_completion():
    report = validate_file(FIX / "valid_dpo.jsonl", "dpo", epochs=1)
    for t in report.token_counts:
        assert t.tokens < t.training_tokens < 2 * t.tokens + 1


def test_model_context_limit_too_long_and_training_price(tmp_path):
    """Through litellm's real cost map: a registered model with a small context and a training
    price, a known model without one, and an unknown model."""
    pytest.importorskip("litellm")
    import litellm

    name = "taskladder-test-ft-model"
    litellm.register_model(
        {name: {"max_input_tokens": 40, "litellm_provider": "openai", "mode": "chat",
                "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "training_cost_per_token": 3e-6}}
    )
    long_line = {"messages": [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "ok"}]}
    short_line = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [short_line, long_line, short_line]) + "\n")

    report = validate_file(path, "openai-chat", model=name, epochs=2)
    assert report.context_limit == 40
    assert report.lines_by_category == {"too_long": [2]} and report.over_context_limit == 1
    assert not report.ok
    fit = [t for t in report.token_counts if t.tokens <= 40]
    assert [t.line for t in fit] == [1, 3]
    assert report.training_tokens == 2 * sum(t.training_tokens for t in fit)
    assert report.training_price_usd == pytest.approx(report.training_tokens * 3e-6)

    known = validate_file(FIX / "valid_hf.jsonl", "hf-messages", model="gpt-4o-mini")
    assert known.context_limit and known.context_limit >= 100_000
    assert known.training_price_usd is None and "no fine-tuning price" in known.price_note

    unknown = validate_file(FIX / "valid_hf.jsonl", "hf-messages", model="no-such-model-xyz")
    assert unknown.context_limit is None and unknown.training_price_usd is None
    assert "not in litellm's cost map" in unknown.price_note

    result = CliRunner().invoke(
        app, ["validate", str(FIX / "valid_hf.jsonl"), "-f", "hf-messages", "--model", "no-such-model-xyz", "--json"]
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)  # litellm's stdout hints must not break the JSON
    assert doc["context_limit"] is None and doc["training_price_usd"] is None
