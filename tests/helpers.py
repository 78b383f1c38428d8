"""Small builders shared by tests: a task on disk, a scripted model config."""

from __future__ import annotations

import csv
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
