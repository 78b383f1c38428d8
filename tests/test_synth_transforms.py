"""Synth transforms: flip (multi30k), paraphrase, edge cases, document recast, STaR rationales,
the LLM-judge filter, general-data mixing; lineage on every produced row; calls through the
cache (scripted model and the loopback HTTP server)."""

from __future__ import annotations

import asyncio
import csv
import gzip
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from conftest import shared_path
from helpers import sentiment_rows, write_task

from taskladder.errors import ConfigError, DataError
from taskladder.models.config import ModelConfig
from taskladder.store import Store
from taskladder.synth import filter_schema, prompt_hash
from taskladder.synth.calls import SynthCalls
from taskladder.synth.context import StepContext
from taskladder.synth.judge_filter import judge_filter, parse_score
from taskladder.synth.mix import mix_general
from taskladder.synth.render import render_row
from taskladder.synth.rows import FLIP_VIEW, SynthRow, from_example
from taskladder.synth.run import data_time
from taskladder.synth.star import star_rationales
from taskladder.synth.transforms import edge_case_rows, flip_rows, paraphrase_rows, recast_rows
from taskladder.synth.transforms.paraphrase import paraphrase_messages
from taskladder.synth.verify_filter import back_translation_filter, json_schema_filter
from taskladder.task import load_task
from taskladder.testing import LoopbackServer

# --- a scripted model that plays every role of a recipe ------------------------------------

SEEN: list[list[dict]] = []  # every prompt the scripted model answered
_REPEATS: Counter[str] = Counter()  # answers to the same prompt, for disagreeing samples


def responder(messages: list[dict]) -> str:
    SEEN.append(messages)
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    user = messages[-1]["content"]
    if system.startswith("You rewrite inputs"):
        return user if "KEEP" in user else f'"In other words: {user}"'
    if system.startswith("You write test cases"):
        k = int(re.search(r"Write (\d+) new rows", user).group(1))
        items = [{"text": f"boundary case {i}: great but awful", "label": "pos"} for i in range(k - 2)]
        items += [{"text": "no label here"}, {"text": "odd label", "label": "meh"}]
        return "Sure! Here are the rows:\n```json\n" + json.dumps(items) + "\n```\nHope this helps."
    if system.startswith("You turn a document passage"):
        passage = re.search(r"\]:\n(.*?)\n\nWrite", user, re.S).group(1)
        first = passage.split(".")[0]
        return json.dumps([{"question": f"What does the manual say about {first.split()[-1]}?", "answer": first + "."}])
    if system.startswith("You grade"):
        if "UNPARSABLE" in user:
            return "I would not grade this."
        return "Rating: 3 out of 10" if "awful" in user else '```json\n{"score": 9, "reason": "fine"}\n```'
    if '"reasoning"' in system:  # rationale prompts (JSON with reasoning first)
        if "Hint: the correct answer is:" in user:
            label = re.search(r"correct answer is: (\w+)", user).group(1)
            return json.dumps({"reasoning": f"Looking again, it is {label}.", "label": label})
        if "split" in user:  # samples disagree: pos, neg, pos, neg ...
            _REPEATS[user] += 1
            label = "pos" if _REPEATS[user] % 2 else "neg"
        else:
            label = "pos" if any(w in user for w in ("great", "lovely", "wonderful")) else "neg"
        return json.dumps({"reasoning": f"The words point to {label}.", "label": label})
    return "pos"


def bot(name: str = "bot", model: str = "scripted") -> ModelConfig:
    return ModelConfig(name=name, model=model, script={"callable": "test_synth_transforms:responder"},
                       price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})


def context(task, models=None, **kw) -> StepContext:
    store = Store()
    return StepContext(task=task, calls=SynthCalls(models or {"bot": bot()}, store), data_time=data_time(task), **kw)


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def sentiment(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(24)))


@pytest.fixture(autouse=True)
def _reset():
    SEEN.clear()
    _REPEATS.clear()


# --- flip on multi30k -------------------------------------------------------------------------

def _multi30k_task(folder, n=300):
    def lines(lang):
        with gzip.open(shared_path("multi30k", f"val.{lang}.gz"), "rt", encoding="utf-8") as fh:
            return [ln.strip() for ln in fh][:n]

    en, fr = lines("en"), lines("fr")
    assert len(en) == len(fr) == n
    folder.mkdir(parents=True)
    with (folder / "pairs.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "en", "fr"])
        w.writerows([f"m{i}", a, b] for i, (a, b) in enumerate(zip(en, fr)))
    (folder / "task.yaml").write_text(
        "name: captions\ninstructions: Translate the English caption into French.\ninputs: [en]\n"
        "outputs: {fr: text}\ndata: {file: pairs.csv, id_column: id, split: {dev: 0.2, test: 0.2, seed: 0}}\n"
        "", encoding="utf-8")
    return load_task(folder / "task.yaml"), dict(zip(en, fr))


def test_flip_on_multi30k_gives_the_inverse_task_with_lineage(tmp_path):
    task, pairs = _multi30k_task(tmp_path / "m30k")
    ctx = context(task)
    rows = [from_example(e) for e in task.train]
    out, rep = flip_rows(rows, ctx, swap={"en": "fr"}, instructions="Translate the French caption into English.")
    flipped = [r for r in out if r.view == FLIP_VIEW]
    assert rep.added == len(flipped) == len(task.train) == 180 and out[: len(rows)] == rows
    by_id = {r.id: r for r in rows}
    mtime = (tmp_path / "m30k" / "pairs.csv").stat().st_mtime
    for f in flipped:
        src = by_id[f.lineage.source_ids[0]]
        assert f.inputs == {"fr": src.outputs["fr"]} and f.outputs == {"en": src.inputs["en"]}
        assert pairs[f.outputs["en"]] == f.inputs["fr"]  # still a real aligned pair, reversed
        assert f.lineage.transform == "flip" and f.lineage.model is None and f.lineage.prompt_hash
        assert f.lineage.created_at.timestamp() == pytest.approx(mtime)
    r = render_row(flipped[0], ctx)
    assert r.prompt[0]["content"].startswith("Translate the French caption into English.")
    assert r.prompt[-1]["content"] == flipped[0].inputs["fr"] and r.answer == flipped[0].outputs["en"]
    # the inverse view has its own schema: fr is now the input that must not be empty
    blank = flipped[1].model_copy(update={"inputs": {"fr": " "}})
    kept, report = filter_schema([x.filter_view() for x in [flipped[0], blank]], ctx.spec(FLIP_VIEW))
    assert [k["id"] for k in kept] == [flipped[0].id] and report.reasons == {"empty_field:fr": 1}
    assert ctx.calls.counts().calls == 0  # no model involved


@pytest.mark.parametrize("swap, message", [({"fr": "en"}, "'fr' is not an input field"),
                                          ({}, "swap"), ({"en": "de"}, "'de' is not an output field")])
def test_flip_rejects_a_bad_swap_with_a_message_naming_it(sentiment, tmp_path, swap, message):
    task, _ = _multi30k_task(tmp_path / "m", n=20)
    with pytest.raises(ConfigError, match=message):
        flip_rows([from_example(e) for e in task.train], context(task), swap=swap, instructions="x")


# --- paraphrase -------------------------------------------------------------------------------

def test_paraphrase_adds_variants_with_model_lineage_and_caches_them(sentiment):
    ctx = context(sentiment)
    rows = [from_example(e) for e in sentiment.train[:6]]
    rows[0] = rows[0].model_copy(update={"inputs": {"text": "KEEP this one"}})
    out, rep = run(paraphrase_rows(rows, ctx, model="bot", n=2))
    made = out[len(rows):]
    # 6 rows x 2 samples = 12 prompts; row 0 comes back unchanged (2), the scripted model
    # gives sample 1 the same text as sample 0 (5 repeats)
    assert rep.calls == 12 and rep.reasons == {"unchanged": 2, "repeated_variant": 5} and len(made) == 5
    for m in made:
        src = next(r for r in rows if r.id == m.lineage.source_ids[0])
        assert m.inputs["text"] == f"In other words: {src.inputs['text']}"  # quotes round it dropped
        assert m.outputs == src.outputs and m.lineage.model == "scripted" and m.lineage.transform == "paraphrase"
        expected = paraphrase_messages(sentiment.spec.instructions, src.inputs["text"])
        assert m.lineage.prompt_hash == prompt_hash(expected) and expected in SEEN
    # the lineage time is the call's time in the cache, so a replay stamps the same time
    db = sqlite3.connect(ctx.calls.store.path)
    stored = {round(t, 6) for (t,) in db.execute("SELECT created_at FROM calls")}
    assert {round(m.lineage.created_at.timestamp(), 6) for m in made} <= stored
    again, rep2 = run(paraphrase_rows(rows, context(sentiment), model="bot", n=2))
    assert rep2.calls == 0 and rep2.cached_calls == 12 and again == out


# --- edge cases -------------------------------------------------------------------------------

def test_edge_cases_parse_a_fenced_reply_and_count_unusable_items(sentiment):
    ctx = context(sentiment)
    rows = [from_example(e) for e in sentiment.train]
    out, rep = run(edge_case_rows(rows, ctx, model="bot", description="Mixed feelings; sarcasm.", n=8, per_call=4))
    made = out[len(rows):]
    assert rep.calls == 2 and len(made) == 4  # 2 calls x (4 asked - 2 unusable)
    assert rep.reasons == {"missing_field": 2, "bad_output": 2}  # no label / label outside the set
    assert {m.outputs["label"] for m in made} == {"pos"}
    assert all(m.lineage.transform == "edge_cases" and len(m.lineage.source_ids) == 3 for m in made)
    assert all(set(m.lineage.source_ids) <= {r.id for r in rows} for m in made)
    assert "Mixed feelings; sarcasm." in SEEN[0][-1]["content"]
    with pytest.raises(ConfigError, match="description"):
        run(edge_case_rows(rows, ctx, model="bot", description="  "))


# --- documents recast -------------------------------------------------------------------------

def test_recast_turns_document_chunks_into_rows_with_context(tmp_path):
    folder = tmp_path / "qa"
    rows = [{"id": f"q{i}", "question": f"question {i}?", "answer": f"answer {i}."} for i in range(10)]
    write_task(folder, rows, inputs=["question"], outputs={"answer": "text"}, documents=["docs"])
    (folder / "docs").mkdir()
    (folder / "docs" / "a.md").write_text("# Router\n\nReset the router by holding the button.\n\n"
                                          "# Light\n\nThe light turns green.", encoding="utf-8")
    (folder / "docs" / "b.md").write_text("Warranty lasts two years.", encoding="utf-8")
    task = load_task(folder / "task.yaml")
    ctx = context(task)
    out, rep = run(recast_rows([], ctx, model="bot", chunking="sections", size=50, overlap=0))
    assert rep.calls == 3 and len(out) == 3  # a.md -> 2 sections, b.md -> 1
    # the same chunks (ids and texts) the RAG rung retrieves from
    from taskladder.retrieval import chunk_documents, load_documents

    chunks = chunk_documents(load_documents(["docs"], folder), mode="sections", size=50, overlap=0)
    assert [r.context for r in out] == [[{"id": c.id, "text": c.display_text}] for c in chunks]
    assert [c.id for c in chunks] == ["docs/a.md#0", "docs/a.md#1", "docs/b.md#0"]
    assert out[2].outputs == {"answer": "Warranty lasts two years."}
    assert out[2].lineage.source_ids == ["doc:docs/b.md#0"] and out[2].lineage.transform == "recast"
    msg = render_row(out[0], ctx).prompt[-1]["content"]
    assert msg.startswith("Context:\n[source: docs/a.md#0]\n# Router") and msg.endswith(out[0].inputs["question"])


# --- STaR rationales --------------------------------------------------------------------------

def test_rationales_keep_correct_ones_and_drop_wrong_ones(sentiment):
    ctx = context(sentiment)
    rows = [from_example(e) for e in sentiment.train]
    # the scripted model misses "excellent", "good" and "awful"-free negatives are right
    wrong = {r.id for r in rows if r.outputs["label"] == "pos" and not any(w in r.inputs["text"] for w in ("great", "lovely", "wonderful"))}
    assert wrong
    out, rep = run(star_rationales(rows, ctx, model="bot"))
    assert {r.id for r in out} == {r.id for r in rows} - wrong
    assert rep.reasons == {"wrong_answer": len(wrong)} and rep.removed == len(wrong)
    assert all(r.rationale and r.lineage.transform == "rationale" and r.lineage.model == "scripted" for r in out)
    assert all(r.lineage.params == {"check": "matches-gold", "rationalized": False} for r in out)
    assert rep.calls == len(rows)


def test_keep_unverified_keeps_failures_without_a_rationale_but_with_the_wrong_reply(sentiment):
    rows = [from_example(e) for e in sentiment.train]
    out, rep = run(star_rationales(rows, context(sentiment), model="bot", keep_unverified=True))
    failed = [r for r in out if r.rationale is None]
    assert len(out) == len(rows) and rep.removed == 0 and len(failed) == rep.reasons["wrong_answer"] > 0
    assert all(r.lineage is None and r.rejected == ["neg"] for r in failed)
    assert rep.cached_calls == len(failed)  # the wrong reply is read back from the cache, not asked again


def test_rationalize_marks_rows_and_keeps_the_wrong_answer_for_dpo(sentiment):
    ctx = context(sentiment)
    rows = [from_example(e) for e in sentiment.train]
    out, rep = run(star_rationales(rows, ctx, model="bot", rationalize=True))
    assert len(out) == len(rows) and rep.removed == 0
    marked = [r for r in out if r.lineage.params["rationalized"]]
    assert marked and all(r.rejected == ["neg"] and r.outputs["label"] == "pos" for r in marked)
    assert all("Looking again" in r.rationale for r in marked)
    assert rep.calls == len(rows) + len(marked)  # one more call per failure, with the hint


def test_rows_without_gold_keep_the_majority_answer_or_go(sentiment):
    ctx = context(sentiment)
    made = [
        SynthRow(id="e1", inputs={"text": "a great day"}, outputs={"label": "neg"}),
        SynthRow(id="e2", inputs={"text": "a split verdict"}, outputs={"label": "pos"}),
    ]
    out, rep = run(star_rationales(made, ctx, model="bot", check="majority", samples=4))
    assert [r.id for r in out] == ["e1"] and out[0].outputs == {"label": "pos"}  # 4 of 4 say pos
    assert out[0].lineage.params["check"] == "majority-of-4" and rep.reasons == {"no_majority": 1}
    assert rep.calls == 8


# --- judge ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reply, score", [
    ('{"score": 8, "reason": "ok"}', 8), ('```json\n{"Score": "6"}\n```', 6), ("Score: 7", 7),
    ("I'd say 9/10.", 9), ("Rating: 4 out of 10", 4), ("7", 7), ("**5**", 5), ('Verdict {"rating": 3} done', 3),
    ("Score: 11", None), ("no idea", None), ("", None), ('{"score": true}', None), ("0", None),
])
def test_parse_score_reads_the_usual_judge_replies(reply, score):
    assert parse_score(reply) == score


def test_judge_filter_removes_rows_below_the_threshold_and_says_why(sentiment):
    ctx = context(sentiment)
    rows = [SynthRow(id="a", inputs={"text": "a great film"}, outputs={"label": "pos"}),
            SynthRow(id="b", inputs={"text": "an awful film"}, outputs={"label": "neg"}),
            SynthRow(id="c", inputs={"text": "UNPARSABLE"}, outputs={"label": "neg"}),
            SynthRow(id="g", view="general", messages=[{"role": "user", "content": "awful?"},
                                                       {"role": "assistant", "content": "yes"}])]
    kept, rep = run(judge_filter(rows, ctx, model="bot", threshold=6))
    assert [r.id for r in kept] == ["a", "g"] and kept[0].judge_score == 9
    assert rep.reasons == {"judge_below_6": 1, "judge_unparsed": 1} and rep.calls == 3
    assert rep.filter.removed == 2 and rep.filter.examples == ["b", "c"]


# --- general-data mixing ----------------------------------------------------------------------

def _general(path, n):
    lines = [json.dumps({"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]})
             for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_mix_adds_general_rows_at_the_ratio(sentiment, tmp_path):
    _general(tmp_path / "general.jsonl", 50)
    ctx = context(sentiment, base_dir=tmp_path)
    rows = [from_example(e) for e in sentiment.train]
    out, rep = mix_general(rows, ctx, file="general.jsonl", ratio=0.25)
    general = [r for r in out if r.view == "general"]
    assert len(general) == round(0.25 / 0.75 * len(rows)) == rep.added
    assert abs(len(general) / len(out) - 0.25) < 0.03
    again, _ = mix_general(rows, ctx, file="general.jsonl", ratio=0.25)
    assert again == out  # seeded
    small, rep = mix_general(rows, ctx, file="general.jsonl", ratio=0.9)
    assert rep.added == 50 and rep.reasons == {"file_too_small": round(0.9 / 0.1 * len(rows)) - 50}


def test_mix_names_the_line_of_a_bad_general_row(sentiment, tmp_path):
    _general(tmp_path / "g.jsonl", 3)
    with (tmp_path / "g.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"messages": [{"role": "robot", "content": "x"}]}\n')
    with pytest.raises(DataError, match=r"g.jsonl, row 4: unknown_role"):
        mix_general([], context(sentiment, base_dir=tmp_path), file="g.jsonl", ratio=0.5)


# --- verifier filters -------------------------------------------------------------------------

BACK: dict[str, str] = {}  # what the scripted "translator" answers, by the text it is given


BACK_SEEN: list[list[dict]] = []


def back_responder(messages: list[dict]) -> str:
    BACK_SEEN.append(messages)
    return BACK.get(messages[-1]["content"], "Something else entirely.")


def test_back_translation_keeps_rows_that_survive_the_round_trip_in_both_directions(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "translation" / "task.yaml"
    task = load_task(example)
    rows = [from_example(e) for e in task.train]
    BACK.clear()
    BACK_SEEN.clear()
    BACK.update({r.outputs["fr"]: r.inputs["en"] for r in rows})  # fr -> en, for task rows
    BACK.update({r.inputs["en"]: r.outputs["fr"] for r in rows})  # en -> fr, for flipped rows
    broken = rows[0].model_copy(update={"id": "broken", "outputs": {"fr": "Une phrase sans rapport."}})
    cfg = ModelConfig(name="mt", model="scripted/mt", script={"callable": "test_synth_transforms:back_responder"})
    ctx = context(task, {"mt": cfg})
    both, _ = flip_rows(rows + [broken], ctx, swap={"en": "fr"}, instructions="Translate the French into English.")
    kept, rep = run(back_translation_filter(both, ctx, model="mt", threshold=0.6))
    # the broken pair fails both ways: its French does not come back as its English, and its
    # flipped row's English does not come back as that French
    assert {r.id for r in both} - {r.id for r in kept} == {"broken", "broken~flip"}
    assert rep.reasons == {"back_translation_below_0.6": 2} and rep.calls + rep.cached_calls == len(both)  # identical prompts in flight are paid once
    # each row goes back through the other direction's own prompt
    way_back = {m[-1]["content"]: m[0]["content"].split("\n")[0] for m in BACK_SEEN}
    assert way_back["Une phrase sans rapport."] == "Translate the French into English."
    assert way_back[broken.inputs["en"]] == task.spec.instructions


def test_json_schema_verifier_drops_rows_that_break_the_task_schema(tmp_path):
    folder = tmp_path / "j"
    write_task(folder, [{"id": f"j{i}", "text": f"order {i}", "order": json.dumps({"qty": i})} for i in range(8)],
               outputs={"order": {"type": "json", "schema": {"type": "object", "required": ["qty"],
                                                             "properties": {"qty": {"type": "integer"}}}}})
    task = load_task(folder / "task.yaml")
    rows = [from_example(e) for e in task.train]
    bad = rows[0].model_copy(update={"id": "bad", "outputs": {"order": {"qty": "two"}}})
    kept, rep = json_schema_filter(rows + [bad], context(task))
    assert [r.id for r in kept] == [r.id for r in rows] and rep.reasons == {"schema_violation:order": 1}
    with pytest.raises(ConfigError, match="no JSON output field"):
        json_schema_filter(rows, context(load_task(write_task(tmp_path / "s", sentiment_rows(8)))))


# --- the real HTTP path -----------------------------------------------------------------------

def test_paraphrase_over_the_loopback_server_is_cached_and_costed(sentiment):
    def answer(request):
        return "Reworded: " + request["messages"][-1]["content"]

    rows = [from_example(e) for e in sentiment.train[:5]]
    with LoopbackServer(answer) as srv:
        cfg = ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url, transport="openai",
                          price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})
        ctx = context(sentiment, {"loop": cfg})
        out, rep = run(paraphrase_rows(rows, ctx, model="loop", n=1))
        assert len(srv.requests) == 5 and rep.calls == 5
        assert all(r.body["temperature"] == 0.7 for r in srv.requests)
        again, rep2 = run(paraphrase_rows(rows, context(sentiment, {"loop": cfg}), model="loop", n=1))
        assert len(srv.requests) == 5 and rep2.cached_calls == 5 and again == out
    assert all(r.inputs["text"].startswith("Reworded: ") for r in out[5:])
    assert all(r.lineage.model == "openai/loopback" for r in out[5:])
    cost, unknown = ctx.calls.cost("loop")
    assert cost > 0 and unknown == 0
