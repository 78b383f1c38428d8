"""Small builders shared by tests: a task on disk, a scripted model config."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import yaml


def write_task(folder: Path, rows: list[dict], *, outputs=None, inputs=None, name="t", split=None, **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    spec = {
        "name": name,
        "instructions": "Classify the text.",
        "inputs": inputs or ["text"],
        "outputs": outputs or {"label": "label"},
        "data": {"file": "data.csv", "split": split or {"dev": 0.25, "test": 0.25, "seed": 0}},
        **extra,
    }
    path = folder / "task.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def sentiment_rows(n: int = 40) -> list[dict]:
    pos = ["great", "lovely", "excellent", "good", "wonderful"]
    neg = ["awful", "bad", "terrible", "poor", "horrible"]
    rows = []
    for i in range(n):
        words = pos if i % 2 == 0 else neg
        rows.append({"id": f"r{i}", "text": f"the film was {words[i % 5]} number {i}",
                     "label": "pos" if i % 2 == 0 else "neg"})
    return rows


POSITIVE = ("great", "lovely", "excellent", "good", "wonderful")
CALLS: list[str] = []  # every prompt the scripted responder answered, for call-count assertions


def sentiment_responder(messages: list[dict]) -> str:
    """A scripted model for the sentiment rows: keyword rules, JSON with reasoning on request.

    It gets "good" and "lovely" wrong on purpose (says neg) unless a demo in the prompt
    shows that word, so demos measurably help and the ladder has something to climb.
    """
    import json

    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    question = messages[-1]["content"]
    CALLS.append(question)
    shown = " ".join(m["content"] for m in messages[1:-1])
    words = [w for w in POSITIVE if w in question]
    tricky = ("good", "lovely")
    label = "pos" if any(w not in tricky or w in shown for w in words) else "neg"
    if '"reasoning"' in system:
        return json.dumps({"reasoning": f"The text mentions {words or 'nothing positive'}.", "label": label})
    return label


def sentiment_judge(messages: list[dict]) -> str:
    """A scripted pairwise judge: the answer that matches the input's true sentiment wins,
    with a bias towards the first slot when both are equally right or wrong."""
    import re

    body = messages[-1]["content"]
    section = lambda name: re.search(rf"## {name}\n(.*?)(?:\n\n## |\n\nCompare|\Z)", body, re.S).group(1).strip()
    truth = "pos" if any(w in section("Input") for w in POSITIVE) else "neg"
    a, b = section("Answer A") == truth, section("Answer B") == truth
    return "Reasoning done. [[A]]" if a and not b else "[[B]]" if b and not a else "[[A]]"


def position_biased_chooser(messages: list[dict]) -> str:
    """A multiple-choice model with a position bias: it finds the fruit only in slots A and B,
    and otherwise answers "A"."""
    lines = messages[-1]["content"].splitlines()
    for line in lines:
        if line[:3] in ("A. ", "B. ") and line[3:] in ("apple", "pear", "plum", "cherry"):
            return line[0]
    return "A"


def kill_after_requests(cmd: list[str], env: dict, srv, n: int = 20, wait_s: float = 60) -> int:
    """Start ``cmd``, ``kill -9`` it once the loopback ``srv`` has had ``n`` requests; the count then."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + wait_s
    while srv.request_count < n and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert srv.request_count >= n, proc.stderr.read().decode()[-3000:]
    return srv.request_count


def stored_calls_and_runs(home: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """The last message of every stored call, and (run_id, status) of every run, in ``home``'s store."""
    db = sqlite3.connect(home / "taskladder.sqlite")
    try:
        calls = {json.loads(r[0])["messages"][-1]["content"] for r in db.execute("SELECT request FROM calls")}
        return calls, db.execute("SELECT run_id, status FROM runs").fetchall()
    finally:
        db.close()
