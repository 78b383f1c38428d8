"""`tune --replay-file`: general-data replay from the user's own files (chat or instruction JSONL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import shared_path

from taskladder.errors import ConfigError, DataError
from taskladder.tune import ChatPair, TuneConfig
from taskladder.tune.replay_file import file_replay, read_general

REPO = Path(__file__).resolve().parents[1]
CHAT = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of Japan?"},
        {"role": "assistant", "content": "Tokyo."},
    ]
}
SELF_INSTRUCT = {
    "instruction": "Give the opposite word.",
    "instances": [
        {"input": "generous", "output": "stingy"},
        {"input": "", "output": "   "},
        {"input": "hot", "output": "cold"},
    ],
}
ALPACA = {"instruction": "Name a primary colour.", "input": "", "output": "Red."}


def write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_both_forms_a_folder_and_instances_become_chat_pairs(tmp_path):
    folder = tmp_path / "general"
    folder.mkdir()
    write(folder / "a.jsonl", [CHAT, SELF_INSTRUCT])
    write(folder / "b.jsonl", [ALPACA, {"prompt": " Say hi. ", "answer": "Hi."}])
    (folder / "notes.txt").write_text("not read")
    pairs = read_general([folder])
    assert pairs == [
        ChatPair(CHAT["messages"][:2], "Tokyo."),
        ChatPair([{"role": "user", "content": "Give the opposite word.\n\ngenerous"}], "stingy"),
        ChatPair([{"role": "user", "content": "Give the opposite word.\n\nhot"}], "cold"),  # blank output skipped
        ChatPair([{"role": "user", "content": "Name a primary colour."}], "Red."),
        ChatPair([{"role": "user", "content": "Say hi."}], "Hi."),
    ]
    # mix-sweep's general set: one answer per instruction, the first that has one
    assert read_general([folder], first_instance=True) == [pairs[0], pairs[1], pairs[3], pairs[4]]
    assert read_general([folder], limit=2) == pairs[:2]


def test_draw_is_seeded_without_replacement_and_cycles_evenly(tmp_path):
    path = write(tmp_path / "g.jsonl", [{"instruction": f"task {i}", "output": f"answer {i}"} for i in range(5)])
    three = file_replay([path], 3, seed=1)
    assert three == file_replay([path], 3, seed=1) and len({p.answer for p in three}) == 3
    twelve = [p.answer for p in file_replay([path], 12, seed=1)]
    assert len(set(twelve[:5])) == 5 and len(set(twelve[5:10])) == 5  # every example once per pass
    assert sorted(twelve.count(a) for a in set(twelve)) == [2, 2, 2, 3, 3]
    assert file_replay([path], 0, seed=1) == []


@pytest.mark.parametrize(
    "rows, match",
    [
        ([{"text": "no instruction"}], "instruction"),
        ([{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}]}], "assistant"),
        ([{"messages": "hi"}], "messages"),
        ([{"prompt": ["hi"], "answer": "hello"}], "prompt"),
        ([{"instruction": "x", "instances": [{"input": "a", "output": 3}]}], "output"),
        (["not json"], "JSON"),
        ([], "no general examples"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path, rows, match):
    path = write(tmp_path / "g.jsonl", rows)
    with pytest.raises(DataError, match=match) as err:
        read_general([path])
    assert "g.jsonl" in str(err.value)


def test_missing_path_and_folder_without_jsonl(tmp_path):
    with pytest.raises(DataError, match="no such general-data file"):
        read_general([tmp_path / "absent.jsonl"])
    with pytest.raises(DataError, match=r"no \*\.jsonl"):
        read_general([tmp_path])


def test_the_shared_general_instructions_read_as_replay():
    pairs = read_general([shared_path("general")])
    assert len(pairs) >= 427  # 427 instructions, some with several instances
    assert all(p.answer.strip() and p.prompt[0]["content"].strip() for p in pairs)


def test_tune_replays_the_users_file_and_never_asks_the_base_model(tmp_path, monkeypatch):
    pytest.importorskip("peft")
    from local_tiny import build_tiny_model
    from test_tune import PAIRS

    from taskladder.local.engine import LocalModel
    from taskladder.tune import tune

    def no_generation(*args, **kwargs):
        raise AssertionError("with --replay-file the base model does not answer general prompts")

    monkeypatch.setattr(LocalModel, "generate", no_generation)
    tiny = build_tiny_model(tmp_path / "tiny")
    general = write(tmp_path / "g.jsonl", [ALPACA, SELF_INSTRUCT, CHAT])
    cfg = TuneConfig(
        base=f"local/{tiny}",
        name="own-replay",
        epochs=1,
        batch_size=4,
        replay_ratio=0.5,
        replay_files=[str(general)],
        threads=1,
    )
    result = tune(PAIRS, PAIRS[:4], cfg, tmp_path / "home")
    assert result.replay_rows == 6 and result.steps == 3 + 2  # 12 train + 6 replay rows, batches of 4
    lineage = json.loads((result.path / "taskladder-tune.json").read_text())
    assert lineage["replay_source"] == str(general) and lineage["hyper"]["replay_files"] == [str(general)]
    assert "replay_files" not in TuneConfig().hyper()  # runs without it keep their names
    with pytest.raises(ConfigError, match="replay-ratio"):
        tune(
            PAIRS,
            PAIRS[:4],
            TuneConfig(base=f"local/{tiny}", name="r0", replay_files=[str(general)]),
            tmp_path / "home",
        )


def test_cli_bad_replay_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "d.csv").write_text("id,message,intent\n" + "".join(f"{i},m {i},{'ab'[i % 2]}\n" for i in range(20)))
    (tmp_path / "task.yaml").write_text(
        "name: t\ninputs: [message]\noutputs:\n  intent: label\n"
        "data:\n  file: d.csv\n  id_column: id\nmetric: accuracy\n"
    )
    bad = write(tmp_path / "general.jsonl", [{"prompt": "x", "completion": "y"}])
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskladder",
            "tune",
            str(tmp_path / "task.yaml"),
            "--name",
            "x",
            "--base",
            "local/./absent",
            "--replay-file",
            str(bad),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        timeout=120,
    )
    assert out.returncode == 2 and "general.jsonl" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_rows_longer_than_max_length_are_counted_and_said_before_training(tmp_path):
    pytest.importorskip("peft")
    from local_tiny import build_tiny_model
    from test_tune import PAIRS

    from taskladder.local.engine import LocalModel
    from taskladder.tune import tune
    from taskladder.tune.train import encode_pair, row_length

    tiny = build_tiny_model(tmp_path / "tiny")
    model = LocalModel.from_folder(tiny, "tiny")
    longest = max(row_length(model, p) for p in PAIRS)
    ids, labels = encode_pair(model, PAIRS[0], 8)
    assert len(ids) == len(labels) <= 8  # cut to max_length, the answer kept
    events: list = []
    cfg = TuneConfig(base=f"local/{tiny}", name="cut", epochs=1, batch_size=4, max_length=longest - 1, threads=1)
    result = tune(PAIRS, PAIRS[:4], cfg, tmp_path / "home", progress=events.append)
    cut = sum(1 for p in PAIRS + PAIRS[:4] if row_length(model, p) > longest - 1)
    assert 0 < result.truncated_rows == cut
    assert events[0] == {"truncated": cut, "rows": 16, "max_length": longest - 1}  # before the first step
    assert "step" in events[1]
