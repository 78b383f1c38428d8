"""The RAG rung end to end on the bundled manual example: context with source ids, recall@k."""

from __future__ import annotations

from pathlib import Path

from taskladder.ladder import LadderOptions, climb
from taskladder.models.config import load_models
from taskladder.pipeline import PipelineSpec
from taskladder.runner import evaluate
from taskladder.task import load_task

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "manual_qa"


def test_rag_pipeline_retrieves_with_source_ids_and_reports_recall():
    task = load_task(EXAMPLE / "task.yaml")
    models = load_models(EXAMPLE / "models.yaml")
    plain = evaluate(task, PipelineSpec(model="manual-reader"), models=models, progress=False)
    rag = evaluate(task, PipelineSpec(model="manual-reader", retrieval={"strategy": "bm25", "k": 4}),
                   models=models, progress=False)
    assert rag.summary["score"] > plain.summary["score"]  # the scripted reader needs the passage
    assert rag.summary["retrieval_recall_at_k"] > 0.5 and plain.summary["retrieval_recall_at_k"] is None
    record = rag.records[0]
    assert len(record.trace["context_ids"]) == 4 and all("#" in c for c in record.trace["context_ids"])


def test_climb_includes_the_rag_rung_for_tasks_with_documents():
    task = load_task(EXAMPLE / "task.yaml")
    result = climb(task, ["manual-reader"], load_models(EXAMPLE / "models.yaml"), baselines=[], progress=False,
                   confirm_on_test=False, options=LadderOptions(rungs=("zero-shot", "rag"), cascade=False))
    rungs = {r.rung: r for r in result.rungs}
    assert rungs["rag"].status == "ran" and rungs["rag"].score > rungs["zero-shot"].score
