"""The plugin loader and the registries built on it, with entry points faked in process.

tests/test_plugins_cli.py installs a real plugin package and drives it from the CLI.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import taskladder.plugins as plugins
from taskladder.baselines import make_baseline
from taskladder.baselines.registry import BUILTIN_BASELINES, baseline_names
from taskladder.errors import ConfigError, TaskladderError
from taskladder.metrics import Metric, get_metric
from taskladder.metrics._registry import BUILTIN_METRIC_FACTORIES, metric_names
from taskladder.models.config import ModelConfig
from taskladder.models.llm import OpenAICompatibleClient, make_client
from taskladder.models.pricing import lookup_price
from taskladder.models.providers import BUILTIN_PROVIDERS, provider_for, served_by_plugin
from taskladder.models.scripted import ScriptedClient
from taskladder.runner.preflight import check_access
from taskladder.task import TaskSpec

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Dist:
    name: str


@dataclass
class FakeEntryPoint:
    """What the loader reads from an importlib.metadata entry point: name, value, dist, load()."""

    name: str
    value: str
    group: str
    dist: Dist

    def load(self):
        return EntryPoint(self.name, self.value, self.group).load()


@pytest.fixture
def installed(monkeypatch, tmp_path):
    """Pretend these entry points are installed: ``installed({group: [(name, value, dist)]})``.

    The plugin objects live in a module ``fake_plugins`` written to tmp_path.
    """
    (tmp_path / "fake_plugins.py").write_text(textwrap.dedent("""
        from taskladder.baselines.majority import MajorityBaseline
        from taskladder.metrics._builtin import Accuracy

        class EchoClient:
            def __init__(self, cfg):
                self.cfg = cfg

        def always_one(outputs, field):
            metric = Accuracy(field)
            metric.name = "always_one"
            metric._score = lambda predicted, expected: 1.0
            return metric

        def not_a_metric(outputs, field):
            return "oops"

        def raises(*args):
            raise TypeError("takes 0 positional arguments")

        class Other(MajorityBaseline):
            pass
    """), encoding="utf-8")
    (tmp_path / "broken_plugin.py").write_text("raise ImportError('needs a package that is not installed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    table: dict[str, list[FakeEntryPoint]] = {}
    calls: list[str] = []

    def fake_entry_points(*, group):
        calls.append(group)
        return list(table.get(group, []))

    def install(groups: dict[str, list[tuple[str, str, str]]]):
        for group, entries in groups.items():
            table[plugins.GROUP_PREFIX + group] = [FakeEntryPoint(n, v, plugins.GROUP_PREFIX + group, Dist(d))
                                                   for n, v, d in entries]
        plugins.clear_cache()
        return calls

    monkeypatch.setattr(plugins, "entry_points", fake_entry_points)
    plugins.clear_cache()
    yield install
    plugins.clear_cache()


def own(table: dict[str, str]) -> list[tuple[str, str, str]]:
    """taskladder's own entries as installed metadata lists them (alphabetically)."""
    return [(name, table[name], "taskladder") for name in sorted(table)]


# --- built-ins ---------------------------------------------------------------------------

def test_pyproject_declares_exactly_the_builtin_tables():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    assert declared["taskladder.baselines"] == BUILTIN_BASELINES
    assert declared["taskladder.metrics"] == BUILTIN_METRIC_FACTORIES
    assert declared["taskladder.providers"] == BUILTIN_PROVIDERS


@pytest.mark.parametrize("metadata", ["fresh", "missing", "stale"])
def test_builtins_work_whatever_the_installed_metadata_says(installed, metadata, caplog):
    stale = {"majority": "taskladder.baselines.gone:Majority", "old-one": "taskladder.nowhere:x"}
    baselines = {"fresh": own(BUILTIN_BASELINES), "missing": [],
                 "stale": own(stale)}[metadata]
    installed({"baselines": baselines})
    with caplog.at_level(logging.WARNING, logger="taskladder.plugins"):
        assert baseline_names() == tuple("baseline/" + n for n in BUILTIN_BASELINES)  # the table's order
        assert make_baseline("baseline/majority").name == "baseline/majority"
    assert caplog.records == []  # stale metadata of taskladder's own is not the user's problem
    assert all(p.distribution == "taskladder" for p in plugins.registry("baselines").values())


def test_builtin_metric_names_are_unchanged_and_first(installed):
    installed({"metrics": [("zz-metric", "fake_plugins:always_one", "zz-dist")]})
    assert metric_names()[:7] == ("exact_match", "accuracy", "macro_f1", "token_f1", "chrf", "numeric",
                                  "json_fields")
    assert metric_names()[7:] == ("zz_metric",)


# --- plugins -----------------------------------------------------------------------------

def test_a_plugin_baseline_is_used_like_a_builtin(installed):
    installed({"baselines": own(BUILTIN_BASELINES) + [("other", "fake_plugins:Other", "acme-plugins")]})
    import taskladder.baselines as baselines

    assert baselines.BASELINE_NAMES[-1] == "baseline/other"
    assert type(make_baseline("baseline/other")).__name__ == "Other"
    assert plugins.registry("baselines")["other"].distribution == "acme-plugins"
    with pytest.raises(TaskladderError, match="baseline/other") as err:
        make_baseline("baseline/nope")
    assert "\n" not in str(err.value)


def test_a_plugin_metric_is_found_by_any_spelling(installed):
    installed({"metrics": [("always-one", "fake_plugins:always_one", "acme-plugins")]})
    spec = TaskSpec(name="t", inputs=["text"], outputs={"answer": "label"}, data="data.csv")
    for spelling in ("always-one", "always_one", "Always-One"):
        metric = get_metric(spelling, spec)
        assert isinstance(metric, Metric) and metric.score({"answer": "x"}, {"answer": "y"}) == 1.0
    with pytest.raises(ConfigError, match="always_one"):  # listed among the choices
        get_metric("bleu", spec)


def test_a_metric_plugin_that_returns_no_metric_is_a_one_line_error(installed):
    installed({"metrics": [("oops", "fake_plugins:not_a_metric", "acme-plugins")]})
    with pytest.raises(ConfigError) as err:
        get_metric("oops", None)
    assert "acme-plugins" in str(err.value) and "fake_plugins:not_a_metric" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_plugin_factory_that_raises_is_a_one_line_error_naming_it(installed):
    installed({"metrics": [("bad", "fake_plugins:raises", "acme-plugins")],
               "baselines": [("bad", "fake_plugins:raises", "acme-plugins")],
               "providers": [("bad", "fake_plugins:raises", "acme-plugins")]})
    for make in (lambda: get_metric("bad", None), lambda: make_baseline("baseline/bad"),
                 lambda: make_client(ModelConfig(name="b", model="bad/m"))):
        with pytest.raises(ConfigError) as err:
            make()
        message = str(err.value)
        assert "acme-plugins" in message and "TypeError: takes 0 positional arguments" in message
        assert "\n" not in message


def test_broken_clashing_and_badly_named_plugins_are_left_out_with_one_warning_each(installed, caplog):
    installed({"baselines": [
        ("zeta", "fake_plugins:Other", "b-dist"),
        ("zeta", "fake_plugins:Other", "a-dist"),  # same name: the first distribution by name keeps it
        ("majority", "fake_plugins:Other", "a-dist"),  # a built-in's name
        ("broken", "broken_plugin:Thing", "c-dist"),
        ("bad name", "fake_plugins:Other", "c-dist"),
        ("missing-attr", "fake_plugins:NoSuchThing", "c-dist"),
        ("good", "fake_plugins:Other", "c-dist"),
    ]})
    with caplog.at_level(logging.WARNING, logger="taskladder.plugins"):
        registry = plugins.registry("baselines", BUILTIN_BASELINES)
    assert list(registry) == [*BUILTIN_BASELINES, "zeta", "good"]
    assert registry["zeta"].distribution == "a-dist"
    assert registry["majority"].distribution == "taskladder"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5 and all("\n" not in m for m in messages)
    expected = [("'majority'", "a-dist", "already registered by taskladder"),
                ("'zeta'", "b-dist", "already registered by a-dist"),
                ("'bad name'", "c-dist", "a name must be"),
                ("'broken'", "c-dist", "ImportError: needs a package that is not installed"),
                ("'missing-attr'", "c-dist", "failed to load")]
    for words in expected:
        assert any(all(w in m for w in words) for m in messages), (words, messages)


def test_each_group_is_read_once_per_process(installed):
    calls = installed({})
    for _ in range(3):
        baseline_names()
        metric_names()
    assert calls == ["taskladder.baselines", "taskladder.metrics"]


def test_unknown_group_is_a_programming_error():
    with pytest.raises(ValueError, match="providers"):
        plugins.registry("widgets")


def test_rung_plugins_are_registered_from_their_group(installed):
    installed({"rungs": [("late-rung", "fake_plugins:Other", "acme-plugins")]})
    assert list(plugins.registry("rungs")) == ["late-rung"]


def test_a_plugin_rung_is_climbed_in_the_place_it_names(installed, tmp_path):
    from helpers import sentiment_rows, write_task

    from taskladder.ladder import climb
    from taskladder.ladder.rungs import ladder_rungs, rung_names
    from taskladder.task import load_task

    (tmp_path / "terse_rung.py").write_text(textwrap.dedent("""
        from taskladder.ladder.rungs import ZeroShot

        class Terse(ZeroShot):
            name = "terse"
            after = "zero-shot"

            def spec(self, ctx, model):
                return super().spec(ctx, model).model_copy(update={"rung": self.name, "instructions": "Label it."})
    """), encoding="utf-8")
    installed({"rungs": [("terse", "terse_rung:Terse", "acme-rungs")]})
    assert rung_names()[:3] == ("baseline", "zero-shot", "terse")
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    models = {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})}
    result = climb(task, ["bot"], models, baselines=[], rungs=ladder_rungs(), confirm_on_test=False, progress=False)
    ran = [(r.rung, r.status) for r in result.rungs]
    assert ran[:2] == [("zero-shot", "ran"), ("terse", "ran")]
    terse = next(r for r in result.rungs if r.rung == "terse")
    assert terse.pipeline["instructions"] == "Label it."


def test_a_plugin_rung_that_is_no_rung_is_a_one_line_error(installed):
    from taskladder.ladder.rungs import ladder_rungs

    installed({"rungs": [("odd", "fake_plugins:Other", "acme-rungs")]})
    with pytest.raises(ConfigError, match="not a ModelRung or ClimbRung"):
        ladder_rungs()


def test_rungs_are_placed_after_the_rung_they_name(caplog):
    @dataclass
    class Rung:
        name: str
        after: str | None = None

    def plugin(rung):
        return plugins.Plugin("rungs", rung.name, f"pkg:{rung.name}", "acme", rung)

    ladder = [Rung("baseline"), Rung("zero-shot"), Rung("knn-shots"), Rung("reasoning")]
    added = [Rung("a", after="zero-shot"), Rung("b", after="zero-shot"), Rung("c"), Rung("d", after="nowhere"),
             Rung("e", after="reasoning")]
    with caplog.at_level(logging.WARNING, logger="taskladder.plugins"):
        placed = plugins.place_after(ladder, [plugin(r) for r in added], name_of=lambda r: r.name)
    assert [r.name for r in placed] == ["baseline", "zero-shot", "a", "b", "knn-shots", "reasoning", "e", "c", "d"]
    assert [r.name for r in ladder] == ["baseline", "zero-shot", "knn-shots", "reasoning"]  # not edited
    assert len(caplog.records) == 1 and "'nowhere'" in caplog.records[0].getMessage()
    assert "acme" in caplog.records[0].getMessage()


# --- providers ---------------------------------------------------------------------------

def test_a_provider_plugin_serves_its_prefix_without_litellm(installed):
    installed({"providers": own(BUILTIN_PROVIDERS) + [("echo", "fake_plugins:EchoClient", "acme")]})
    cfg = ModelConfig(name="e", model="echo/any-model")
    client = make_client(cfg)
    assert type(client).__name__ == "EchoClient" and client.cfg is cfg
    assert served_by_plugin(cfg)
    assert lookup_price(cfg) is None  # unknown, never $0 and never LiteLLM's guess
    check_access(cfg)  # LiteLLM's key check does not apply to a plugin's prefix
    priced = ModelConfig(name="e", model="echo/x", price={"input_per_mtok": 1, "output_per_mtok": 2})
    assert lookup_price(priced).output_per_mtok == 2


def test_builtin_provider_choice_is_unchanged(installed):
    installed({"providers": [("echo", "fake_plugins:EchoClient", "acme")]})
    assert isinstance(make_client(ModelConfig(name="s", model="scripted/echo")), ScriptedClient)
    assert isinstance(make_client(ModelConfig(name="s", model="scripted", transport="litellm")), ScriptedClient)
    assert isinstance(make_client(ModelConfig(name="o", model="openai/m", api_base="http://127.0.0.1:9/v1")),
                      OpenAICompatibleClient)
    assert provider_for(ModelConfig(name="l", model="openai/m", transport="litellm")) is None  # LiteLLM
    assert provider_for(ModelConfig(name="l", model="anthropic/claude")) is None
    forced = provider_for(ModelConfig(name="x", model="together/m", transport="openai"))
    assert forced is not None and forced.name == "openai"
    assert provider_for(ModelConfig(name="x", model="echo/m", transport="litellm")) is None
    assert not served_by_plugin(ModelConfig(name="o", model="openai/m"))


def test_a_provider_plugin_cannot_take_a_builtin_prefix(installed, caplog):
    installed({"providers": [("openai", "fake_plugins:EchoClient", "acme")]})
    with caplog.at_level(logging.WARNING, logger="taskladder.plugins"):
        provider = provider_for(ModelConfig(name="o", model="openai/m"))
    assert provider is not None and provider.distribution == "taskladder"
    assert any("acme" in r.getMessage() and "'openai'" in r.getMessage() for r in caplog.records)


# --- import cost -------------------------------------------------------------------------

def test_importing_the_registries_reads_no_entry_points():
    code = ("import taskladder.baselines, taskladder.metrics, taskladder.models.providers, taskladder.plugins as p;"
            "assert p._cache == {}, p._cache")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
