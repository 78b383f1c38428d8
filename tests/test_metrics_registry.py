"""Choosing metrics by name, and loading custom Python metrics."""

from __future__ import annotations

import textwrap

import pytest

from taskladder.errors import ConfigError
from taskladder.metrics import BUILTIN_METRICS, Metric, get_metric
from taskladder.task import TaskSpec


def spec(**outputs) -> TaskSpec:
    return TaskSpec(name="t", inputs=["text"], outputs=outputs, data="data.csv")


def test_every_builtin_name_resolves_and_scores_in_range():
    task = spec(answer="label")
    for name in BUILTIN_METRICS:
        metric = get_metric(name, task)
        assert isinstance(metric, Metric) and metric.name == name and metric.higher_is_better
        assert metric.score({"answer": "7"}, {"answer": "7"}) == 1.0
        assert metric.score(None, {"answer": "7"}) == 0.0


def test_unknown_name_lists_builtins():
    with pytest.raises(ConfigError) as err:
        get_metric("bleu", spec(answer="text"))
    message = str(err.value)
    assert "bleu" in message and "\n" not in message
    assert all(name in message for name in BUILTIN_METRICS)


def test_none_name_takes_the_task_default():
    assert get_metric(None, spec(answer="number")).name == "numeric"
    assert get_metric(None, spec(a="label", b="text")).name == "json_fields"


def test_single_field_metric_picks_the_field_of_its_type():
    task = spec(category="label", amount="number", note="text")
    gold = {"category": "Travel", "amount": 3, "note": "taxi"}
    assert get_metric("accuracy", task).score({"category": "travel"}, gold) == 1.0
    assert get_metric("numeric", task).score({"amount": "3.0"}, gold) == 1.0
    assert get_metric("token_f1", task).score({"note": "a taxi"}, gold) == 1.0


def test_ambiguous_field_needs_a_choice():
    task = spec(first="label", second="label")
    with pytest.raises(ConfigError, match="json_fields"):
        get_metric("accuracy", task)
    metric = get_metric("accuracy", task, field="second")
    assert metric.score({"second": "b", "first": "wrong"}, {"first": "a", "second": "b"}) == 1.0
    with pytest.raises(ConfigError, match="third"):
        get_metric("accuracy", task, field="third")


def test_field_restricts_all_field_metrics():
    task = spec(first="label", second="label")
    metric = get_metric("exact_match", task, field="first")
    assert metric.score({"first": "a", "second": "x"}, {"first": "a", "second": "b"}) == 1.0


# --- custom metrics ----------------------------------------------------------------------

def _write(path, body: str) -> None:
    path.write_text(textwrap.dedent(body), encoding="utf-8")


def test_custom_module_function_on_sys_path(tmp_path, monkeypatch):
    _write(tmp_path / "my_metrics_mod.py", """
        def starts_same(predicted, expected):
            return predicted["answer"][:1] == expected["answer"][:1]

        def half(predicted, expected):
            return 0.5
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    metric = get_metric("my_metrics_mod:starts_same", spec(answer="text"))
    assert metric.name == "my_metrics_mod:starts_same"
    assert metric.score({"answer": "apple"}, {"answer": "avocado"}) == 1.0
    assert metric.score({"answer": "pear"}, {"answer": "avocado"}) == 0.0
    assert metric.score(None, {"answer": "avocado"}) == 0.0  # never called with None
    assert get_metric("my_metrics_mod:half", None).aggregate([{}, {}], [{}, {}]) == 0.5


def test_custom_file_path_absolute_and_relative(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    _write(scripts / "metric.py", """
        def length_ratio(predicted, expected):
            p, g = len(predicted["answer"]), len(expected["answer"])
            return min(p, g) / max(p, g)
    """)
    absolute = get_metric(f"{scripts / 'metric.py'}:length_ratio", None)
    assert absolute.score({"answer": "ab"}, {"answer": "abcd"}) == pytest.approx(0.5)
    relative = get_metric("scripts/metric.py:length_ratio", None, base_dir=tmp_path)
    assert relative.score({"answer": "abc"}, {"answer": "abc"}) == 1.0


@pytest.mark.parametrize(
    "body, name, fragment",
    [
        (None, "no_such_module_xyz:f", "cannot import"),
        ("def f(p, e):\n    return 1\n", "{mod}:missing", "no function 'missing'"),
        ("f = 3\n", "{mod}:f", "not a function"),
        ("def f(p, e)\n    return 1\n", "{file}:f", "SyntaxError"),
        ("raise RuntimeError('boom\\nsecond line')\n", "{file}:f", "RuntimeError: boom second line"),
        (None, "{missing_file}:f", "not found"),
        (None, "justmodule:", "expected 'module:function'"),
    ],
)
def test_custom_metric_load_errors_are_one_line(tmp_path, monkeypatch, body, name, fragment):
    mod = "bad_metric_mod_" + tmp_path.name.replace("-", "_")
    file = tmp_path / f"{mod}.py"
    if body is not None:
        file.write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec_string = name.format(mod=mod, file=file, missing_file=tmp_path / "nope.py")
    with pytest.raises(ConfigError) as err:
        get_metric(spec_string, None)
    message = str(err.value)
    assert fragment in message and spec_string in message and "\n" not in message


@pytest.mark.parametrize(
    "returned, fragment",
    [("1.5", "returned 1.5"), ("'high'", "returned 'high'"), ("float('nan')", "returned nan"),
     ("1 / 0", "raised ZeroDivisionError")],
)
def test_custom_metric_bad_results_are_config_errors(tmp_path, returned, fragment):
    file = tmp_path / "m.py"
    file.write_text(f"def f(predicted, expected):\n    return {returned}\n", encoding="utf-8")
    metric = get_metric(f"{file}:f", None)
    with pytest.raises(ConfigError, match=fragment):
        metric.score({"a": 1}, {"a": 1})
