"""Model-free baselines on the full Banking77 train/test split (10,003 / 3,080 rows)."""

from __future__ import annotations

import pytest
from conftest import shared_path
from test_baselines_support import accuracy, banking77_task

from taskladder.baselines import make_baseline

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def banking77(tmp_path_factory):
    return banking77_task(tmp_path_factory.mktemp("b77"), shared_path("banking77"))


def test_the_task_loads_every_row(banking77):
    assert (len(banking77.train), len(banking77.test)) == (10003, 3080)
    assert len(banking77.labels("category")) == 77


@pytest.mark.parametrize(("name", "floor"), [("baseline/knn-bm25", 0.80), ("baseline/tfidf-lr", 0.85)])
def test_full_data_accuracy(banking77, name, floor):
    predictor = make_baseline(name)
    predictor.fit(banking77)
    predictions = predictor.predict(banking77.test)
    assert accuracy(predictions, banking77.test) > floor
    intents = set(banking77.labels("category"))
    assert all(p.output["category"] in intents for p in predictions)


def test_majority_is_a_floor_the_others_must_clear(banking77):
    predictor = make_baseline("baseline/majority")
    predictor.fit(banking77)
    assert accuracy(predictor.predict(banking77.test), banking77.test) < 0.05  # 77 near-balanced intents
