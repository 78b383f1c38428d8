"""Steps specs: loading, shorthand, digests, and one-line ConfigErrors for bad graphs."""

from __future__ import annotations

import pytest
import yaml
from helpers import sentiment_rows, write_task

from taskladder.errors import ConfigError
from taskladder.steps import StepsSpec, build_graph, load_steps, run_steps
from taskladder.task import TaskSpec, load_task

TASK = TaskSpec(name="t", inputs=["invoice"], outputs={"decision": "label"}, data="x.csv")


def spec(*steps, **extra) -> StepsSpec:
    return StepsSpec.model_validate({"steps": list(steps), **extra})


def llm(name, inputs, outputs, **kw):
    return {"name": name, "model": "bot", "inputs": inputs, "outputs": outputs, **kw}


def test_graph_resolves_names_orders_levels_and_maps_the_final_output():
    s = spec(llm("extract", ["invoice"], {"amount": "number", "vendor": "text"}),
             llm("check", ["invoice"], {"flag": "label"}),
             {"name": "decide", "function": "rules.py:decide", "inputs": ["extract.amount", "vendor", "flag"],
              "outputs": {"decision": "label"}})
    g = build_graph(s, TASK)
    assert s.steps[2].kind == "python" and s.steps[0].kind == "llm"  # inferred from function / model
    assert g.levels == [["extract", "check"], ["decide"]]
    assert {k: str(v) for k, v in g.inputs["decide"].items()} == {
        "amount": "extract.amount", "vendor": "extract.vendor", "flag": "check.flag"}
    assert str(g.final["decision"]) == "decide.decision"
    assert g.ancestors("decide") == {"extract", "check"}


@pytest.mark.parametrize(("steps", "outputs", "fragment"), [
    ([llm("a", ["invoce"], {"decision": "label"})], {}, "reads 'invoce', which is neither a task input"),
    ([llm("a", ["invoice"], {"x": "text"}), llm("b", ["a.y"], {"decision": "label"})], {}, "step 'a' has no output 'y'"),
    ([llm("a", ["b.y"], {"x": "text"}), llm("b", ["a.x"], {"y": "text"}), llm("c", ["a.x"], {"decision": "label"})],
     {}, "the steps form a cycle"),
    ([llm("a", ["invoice"], {"x": "text"}), llm("a", ["invoice"], {"decision": "label"})], {}, "used twice"),
    ([llm("a", ["invoice"], {"x": "text"}), llm("b", ["invoice"], {"x": "text"}),
      llm("c", ["x"], {"decision": "label"})], {}, "write it as STEP.x"),
    ([llm("a", ["invoice"], {"x": "text"})], {}, "the task output 'decision' is not mapped"),
    ([llm("a", ["invoice"], {"decision": "label"})], {"decison": "a.decision"}, "'decison', which is not a task output"),
    ([llm("a", ["a.decision"], {"decision": "label"})], {}, "reads its own output"),
])
def test_bad_graphs_are_one_line_config_errors(steps, outputs, fragment):
    with pytest.raises(ConfigError) as err:
        build_graph(spec(*steps, outputs=outputs), TASK)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_kind_specific_fields_are_checked_on_load(tmp_path):
    path = tmp_path / "steps.yaml"
    path.write_text(yaml.safe_dump({"steps": [{"name": "a", "inputs": ["invoice"], "outputs": {"x": "text"}}]}))
    with pytest.raises(ConfigError, match=r"steps.yaml: field 'steps.0'.*needs `model`"):
        load_steps(path)
    path.write_text("steps: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_steps(path)
    path.write_text(yaml.safe_dump({"name": "x"}))
    with pytest.raises(ConfigError, match="needs a top-level `steps:`"):
        load_steps(path)


def test_specs_are_plain_data_with_a_digest_that_tracks_content(tmp_path):
    a = spec(llm("a", ["invoice"], {"decision": "label"}, instructions="Decide."))
    path = a.save(tmp_path / "s.yaml")
    b = load_steps(path)
    assert b.digest() == a.digest() and b.canonical() == a.canonical()
    changed = b.replace_step("a", instructions="Decide carefully.")
    assert changed.digest() != a.digest() and changed.step("a").instructions == "Decide carefully."
    assert b.step("a").instructions == "Decide."  # the original is untouched
    assert hash(b) == hash(a) and len({a, b, changed}) == 2  # hashable by content
    with pytest.raises(ValueError):
        b.step("a").instructions = "mutated"  # frozen: a spec is plain data
    # mapping form is the same spec as the list form
    c = StepsSpec.model_validate({"steps": {"a": {"model": "bot", "inputs": ["invoice"],
                                                  "outputs": {"decision": "label"}, "instructions": "Decide."}}})
    assert c.digest() == a.digest()


def test_python_step_that_cannot_load_is_a_config_error(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(12)))
    s = spec({"name": "rule", "function": "missing_file.py:go", "inputs": ["text"], "outputs": {"label": "label"}})
    with pytest.raises(ConfigError, match="missing_file.py not found"):
        run_steps(task, s)
    (tmp_path / "r.py").write_text("def other(x):\n    return x\n")
    s = spec({"name": "rule", "function": "r.py:go", "inputs": ["text"], "outputs": {"label": "label"}})
    s.with_source(tmp_path / "steps.yaml", tmp_path)
    with pytest.raises(ConfigError, match="has no function 'go'"):
        run_steps(task, s)


def test_retrieval_step_feeds_the_chunks_it_found_to_a_later_step(tmp_path):
    docs = tmp_path / "t" / "docs"
    docs.mkdir(parents=True)
    (docs / "refunds.md").write_text("# Refunds\nMoney back within 30 days of purchase for unused items.\n")
    (docs / "shipping.md").write_text("# Shipping\nParcels travel by courier; tracking numbers arrive by email.\n")
    rows = [{"id": f"q{i}", "text": t, "label": lab} for i, (t, lab) in enumerate(
        [("can I get my money back", "refunds"), ("where is my parcel tracking", "shipping")] * 4)]
    task = load_task(write_task(tmp_path / "t", rows, documents=["docs"], split={"dev": 0.5, "test": 0.0}))
    (tmp_path / "t" / "pick.py").write_text(
        "def pick(x):\n    return {'label': x['passages'][0]['id'].split('/')[-1].split('.')[0]}\n")
    s = spec({"name": "find", "retrieval": {"strategy": "bm25", "k": 1}, "inputs": ["text"],
              "outputs": {"passages": "json"}},
             {"name": "pick", "function": "pick.py:pick", "inputs": ["passages"], "outputs": {"label": "label"}})
    s.with_source(tmp_path / "t" / "steps.yaml", tmp_path / "t")
    result = run_steps(task, s)
    assert s.steps[0].kind == "retrieval" and result.summary["score"] == 1.0
    found = next(iter(result.step_outputs.values()))["find"]["passages"]
    assert len(found) == 1 and found[0]["id"].startswith("docs/") and "text" in found[0]
    assert result.steps["find"]["cost_usd"] == 0.0 and result.steps["find"]["calls"] == 0
    no_docs = load_task(write_task(tmp_path / "n", rows, split={"dev": 0.5, "test": 0.0}))
    with pytest.raises(ConfigError, match="needs documents, but task 't' lists none"):
        run_steps(no_docs, s)
