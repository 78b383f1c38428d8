"""The rungs of the ladder, cheapest first, as pipeline specs.

zero-shot → few-shot → max-shots → knn-shots → rag (tasks with documents) → cot →
knn-cot (nearest-neighbour demos carrying self-generated rationales, Medprompt-style) →
consensus (the model's best rung so far, sampled n times and majority-voted).
"""

from __future__ import annotations

from pydantic import BaseModel

from ..pipeline import DemoSpec, PipelineSpec, SamplingSpec
from ..task import Task

RUNG_ORDER = ("zero-shot", "few-shot", "max-shots", "knn-shots", "rag", "cot", "knn-cot", "consensus")
REASONING_TOKENS = 512


class LadderOptions(BaseModel):
    shots: int = 8
    max_shots_cap: int = 200  # demos considered for packing; the context window decides how many fit
    max_prompt_tokens: int | None = 16000  # packing budget for max-shots (None: the model's whole window)
    rationale_pool: int = 48
    cascade: bool = True  # after the rungs: the best baseline in front of the best LLM pipeline, when it pays
    samples: int = 5  # consensus rung: votes per example
    sample_temperature: float = 0.7
    seed: int = 0
    rungs: tuple[str, ...] = RUNG_ORDER


def answer_tokens(task: Task) -> int:
    """A max_tokens that fits the longest expected answer with room to spare."""
    import json

    from ..prompt import count_text_tokens

    outputs = [json.dumps(e.outputs, ensure_ascii=False) for e in task.train[:2000]] or ["x" * 40]
    longest = max(count_text_tokens(outputs, "gpt-4o"))
    return int(min(max(2 * longest + 16, 32), 2048))


def build_rungs(task: Task, model: str, options: LadderOptions) -> list[PipelineSpec]:
    has_label = any(o.type == "label" for o in task.spec.outputs.values())
    spread = "stratified" if has_label else "random"
    answer = answer_tokens(task)
    reason = {"max_tokens": answer + REASONING_TOKENS}
    plain = {"max_tokens": answer}
    k, seed = options.shots, options.seed
    table = {
        "zero-shot": PipelineSpec(model=model, rung="zero-shot", params=plain),
        "few-shot": PipelineSpec(model=model, rung="few-shot", params=plain,
                                 demos=DemoSpec(strategy=spread, k=k, seed=seed)),
        "max-shots": PipelineSpec(model=model, rung="max-shots", params=plain,
                                  demos=DemoSpec(strategy=spread, k=options.max_shots_cap, seed=seed, max_shots=True,
                                                 max_prompt_tokens=options.max_prompt_tokens)),
        "knn-shots": PipelineSpec(model=model, rung="knn-shots", params=plain,
                                  demos=DemoSpec(strategy="bm25", k=k, seed=seed)),
        "rag": PipelineSpec(model=model, rung="rag", params=plain, retrieval={"strategy": "bm25", "k": 4},
                            demos=DemoSpec(strategy="bm25", k=min(k, 4), seed=seed)),
        "cot": PipelineSpec(model=model, rung="cot", params=reason, reasoning=True,
                            demos=DemoSpec(strategy=spread, k=min(k, 4), seed=seed)),
        "knn-cot": PipelineSpec(model=model, rung="knn-cot", params=reason, reasoning=True,
                                demos=DemoSpec(strategy="bm25", k=min(k, 4), seed=seed, rationales=True,
                                               rationale_pool=options.rationale_pool)),
    }
    # consensus is built during the climb from the model's best rung; this is its placeholder.
    table["consensus"] = PipelineSpec(model=model, rung="consensus")
    wanted = [r for r in RUNG_ORDER if r in options.rungs]
    if not task.spec.documents:
        wanted = [r for r in wanted if r != "rag"]
    return [table[r] for r in wanted]


def consensus_of(pipeline: dict, options: LadderOptions) -> PipelineSpec:
    """The given pipeline, sampled ``options.samples`` times and voted (self-consistency)."""
    fields = {k: v for k, v in pipeline.items() if k in PipelineSpec.model_fields}
    fields.update(rung="consensus", sampling=SamplingSpec(n=options.samples, temperature=options.sample_temperature))
    return PipelineSpec.model_validate(fields)


def specs_zero_shot(task: Task, model: str, options: LadderOptions) -> dict:
    return build_rungs(task, model, options.model_copy(update={"rungs": ("zero-shot",)}))[0].model_dump()
