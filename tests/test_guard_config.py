"""Guard configuration, decisions, the reminder wrapper and conversation checks."""

from __future__ import annotations

import json

import pytest

from taskladder.errors import ConfigError
from taskladder.guard import Guard, GuardConfig, load_guard_config, most_severe
from taskladder.guard.decision import Edit
from taskladder.guard.edits import apply_edits


def test_yaml_config_sets_thresholds_actions_and_switches(tmp_path):
    path = tmp_path / "guard.yaml"
    path.write_text(
        "input:\n"
        "  many_shot: {threshold: 4, action: warn}\n"
        "  repeated_unit: {enabled: false}\n"
        "reminder: {enabled: true}\n"
    )
    guard = Guard(load_guard_config(path))
    d = guard.check_input("User: a\nAssistant: b\nUser: c\nAssistant: d\n")
    assert d.decision == "warn" and d.findings[0].threshold == 4
    assert guard.check_input("poem " * 100).findings[0].check == "dominant_token"  # repeated_unit is off


@pytest.mark.parametrize("yaml_text,needle", [
    ("input:\n  many_shot: {action: redact}\n", "input.many_shot"),
    ("input:\n  many_shots: {}\n", "input.many_shots"),
    ("output:\n  language: {threshold: 3}\n", "output.language.threshold"),
    ("input:\n  length: {action: explode}\n", "input.length.action"),
    ("- just\n- a list\n", "mapping"),
    ("input: [\n", "invalid YAML"),
    ("input:\n  repeated_unit: {threshold: 1}\n", "input.repeated_unit.threshold"),
])
def test_bad_config_is_one_line_config_error_naming_the_field(tmp_path, yaml_text, needle):
    path = tmp_path / "guard.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as info:
        GuardConfig.from_yaml(path)
    assert needle in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_decision_is_the_most_severe_finding_and_shadow_mode_allows():
    assert most_severe([]) == "allow"
    assert most_severe(["warn", "block", "redact"]) == "block"
    cfg = GuardConfig.model_validate({"input": {"many_shot": {"action": "allow"}, "invisible_chars": {"action": "warn"}}})
    d = Guard(cfg).check_input("User: x\nAssistant: y\n" * 10 + "\u200b")
    assert {f.check: f.action for f in d.findings} == {"many_shot": "allow", "invisible_chars": "warn"}
    assert d.decision == "warn" and "\u200b" in d.text  # warn never rewrites


def test_record_is_json_and_has_latency_per_check():
    d = Guard().check_input("hello " * 200)
    rec = d.to_record()
    json.dumps(rec)
    assert "text" not in rec and rec["decision"] == "block"
    assert set(rec["latency_us"]) >= {"repeated_unit", "many_shot", "length"}
    assert all(v >= 0 for v in rec["latency_us"].values())
    assert rec["findings"][0]["span"] == [0, 1200]


def test_apply_edits_merges_overlaps():
    assert apply_edits("abcdefghij", [Edit(start=2, end=5), Edit(start=4, end=8, replacement="X"), Edit(start=9, end=10)]) == "abi"
    assert apply_edits("abc", []) == "abc"


def test_wrap_user_content_places_reminder_before_and_after():
    plain = Guard()
    assert plain.wrap_user_content("hi") == "hi"
    cfg = GuardConfig.model_validate({"reminder": {"enabled": True, "before": "BEFORE", "after": "AFTER"}})
    wrapped = Guard(cfg).wrap_user_content("hi there")
    assert wrapped.startswith("BEFORE") and wrapped.endswith("AFTER") and "hi there" in wrapped
    default = Guard(GuardConfig.model_validate({"reminder": {"enabled": True}})).wrap_user_content("X")
    assert default.index("X") > 50 and len(default) - default.index("X") > 50


def test_check_messages_counts_real_turns_and_redacts_each_user_message():
    guard = Guard()
    history = []
    for i in range(9):
        history += [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]
    d = guard.check_messages([{"role": "system", "content": "be nice"}, *history, {"role": "user", "content": "go"}])
    assert d.decision == "block" and d.findings[0].check == "many_shot" and d.findings[0].score == 19

    d = guard.check_messages([{"role": "system", "content": "x\u200by"},
                              {"role": "user", "content": "hi\u200b there"}])
    assert d.decision == "redact"
    assert d.messages[0]["content"] == "x\u200by"  # system prompts are the operator's, not checked
    assert d.messages[1]["content"] == "hi there" and d.findings[0].message_index == 1
    assert d.text == "hi there"


def test_short_conversation_passes():
    msgs = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"},
            {"role": "user", "content": "And 3+3?"}]
    assert Guard().check_messages(msgs).decision == "allow"


def test_warm_up_surfaces_a_bad_language_code():
    Guard().warm_up()  # nothing to load without an expected language
    cfg = GuardConfig.model_validate({"output": {"language": {"expected": "zz"}}})
    with pytest.raises(ConfigError, match="language"):
        Guard(cfg).warm_up()
