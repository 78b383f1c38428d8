"""Helpers shared by the baselines tests (no tests here): a tiny synthetic task, Banking77."""

from __future__ import annotations

from pathlib import Path

from taskladder.task import Example, Task, TaskSpec, load_task

ROWS = [
    # (id, text, intent, note, priority)
    ("c1", "my card has not arrived yet", "card", "ship a new card", 2),
    ("c2", "when will my new card arrive", "card", "check card delivery", 2),
    ("c3", "card still not delivered after two weeks", "card", "escalate card delivery", 3),
    ("c4", "has the card been posted", "card", "confirm posting", 2),
    ("r1", "I want a refund for this purchase", "refund", "start refund", 1),
    ("r2", "please refund my money for the order", "refund", "start refund", 1),
    ("r3", "how long does a refund take", "refund", "explain refund timing", 1),
    ("x1", "what is the exchange rate for euros", "exchange", "quote rate", 1),
    ("x2", "exchange rate looks wrong on my transfer", "exchange", "review rate", 1),
]


def tiny_task(outputs: dict | None = None, train_ids: list[str] | None = None) -> Task:
    """A task built directly from objects (no files), with label, text and number outputs."""
    outputs = outputs or {"intent": "label", "note": "text", "priority": "number"}
    spec = TaskSpec(name="tiny", inputs=["text"], outputs=outputs, data={"train": "unused.csv"})
    train = [
        Example(
            id=i,
            inputs={"text": t},
            outputs={k: v for k, v in {"intent": y, "note": n, "priority": p}.items() if k in outputs},
        )
        for i, t, y, n, p in ROWS
        if train_ids is None or i in train_ids
    ]
    return Task(spec=spec, train=train, dev=[], test=[])


def query(text: str, i: str = "q") -> Example:
    return Example(id=i, inputs={"text": text})


def banking77_task(tmp_path: Path, data_dir: Path) -> Task:
    """Banking77 with its own train/test files; dev: 0 keeps every train row for training."""
    spec = tmp_path / "banking77.yaml"
    spec.write_text(
        "name: banking77\n"
        f"data: {{train: '{data_dir / 'train.csv'}', test: '{data_dir / 'test.csv'}', split: {{dev: 0}}}}\n"
        "inputs: [text]\n"
        "outputs: {category: label}\n"
    )
    return load_task(spec)


def accuracy(predictions, examples) -> float:
    return sum(p.output == e.outputs for p, e in zip(predictions, examples)) / len(examples)
