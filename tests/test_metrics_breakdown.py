"""Per-label precision / recall / F1 table for the report."""

from __future__ import annotations

import pytest

from taskladder.metrics import per_label_breakdown


def test_breakdown_hand_computed():
    gold = [{"intent": v} for v in ["refund", "refund", "refund", "card", "card", "other"]]
    pred = [{"intent": "Refund"}, {"intent": "refund"}, {"intent": "card"},
            {"intent": "card"}, None, {"intent": "invented"}]
    rows = per_label_breakdown("intent", pred, gold)
    by_label = {r["label"]: r for r in rows}
    assert [r["label"] for r in rows] == ["refund", "card", "other", "invented"]  # support desc
    assert [r["support"] for r in rows] == [3, 2, 1, 0]
    refund = by_label["refund"]  # 2 of 3 found, both predictions right
    assert refund["precision"] == 1.0 and refund["recall"] == pytest.approx(2 / 3)
    assert refund["f1"] == pytest.approx(0.8) and refund["accuracy_on_label"] == refund["recall"]
    card = by_label["card"]  # 1 of 2 found (the other is a parse failure); 1 of 2 predictions right
    assert card["precision"] == 0.5 and card["recall"] == 0.5 and card["f1"] == 0.5
    assert by_label["other"]["recall"] == 0.0 and by_label["invented"]["precision"] == 0.0
    assert "None" not in by_label


def test_breakdown_empty_and_missing_field():
    assert per_label_breakdown("intent", [], []) == []
    rows = per_label_breakdown("intent", [{"wrong_key": "a"}], [{"intent": "a"}])
    assert rows == [{"label": "a", "support": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0,
                     "accuracy_on_label": 0.0}]
